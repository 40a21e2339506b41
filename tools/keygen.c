/* huibao-keygen: writes CURVE key pairs in czmq's zcert format.
 *
 *   huibao-keygen --out DIR NAME [NAME...]
 *
 * For each NAME: DIR/NAME.key (public, give it to the peer) and
 * DIR/NAME.key_secret (mode 0600, stays on this machine). For a unit, NAME
 * is its code: the county installs NAME.key in its --keys folder. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "hb_cert.h"
#include "hb_err.h"
#include "hb_units.h"

static void usage(FILE *f)
{
  fputs("usage: huibao-keygen --out DIR NAME [NAME...]\n"
        "Writes DIR/NAME.key (public) and DIR/NAME.key_secret (secret, mode 0600)\n"
        "for each NAME (a unit code, or e.g. 'county' / 'city').\n"
        "Existing files are never overwritten.\n",
        f);
}

int main(int argc, char **argv)
{
  static const struct option opts[] = {
      {"out", required_argument, NULL, 'o'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0},
  };
  const char *out = NULL;
  int c;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'h': usage(stdout); return 0;
    case 'V': printf("huibao-keygen %s\n", HUIBAO_VERSION); return 0;
    default: usage(stderr); return EX_USAGE;
    }
  }
  if (!out || optind >= argc) {
    fputs("huibao-keygen: --out DIR and at least one NAME are required\n", stderr);
    usage(stderr);
    return EX_USAGE;
  }
  if (mkdir(out, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "huibao-keygen: create %s: %s\n", out, strerror(errno));
    return EX_CANTCREAT;
  }
  for (int i = optind; i < argc; i++) {
    if (!hb_unit_code_valid(argv[i])) {
      fprintf(stderr, "huibao-keygen: %s: a name is 1-64 characters of A-Z a-z 0-9 _ . -\n",
              argv[i]);
      return EX_USAGE;
    }
  }
  for (int i = optind; i < argc; i++) {
    hb_cert cert;
    char err[512];
    if (hb_cert_generate(&cert, argv[i]) != HB_OK) {
      fputs("huibao-keygen: this libzmq was built without CURVE support\n", stderr);
      return EX_UNAVAILABLE;
    }
    if (hb_cert_write(&cert, out, argv[i], err, sizeof err) != HB_OK) {
      fprintf(stderr, "huibao-keygen: %s\n", err);
      return EX_CANTCREAT;
    }
    printf("%s/%s.key\n%s/%s.key_secret\n", out, argv[i], out, argv[i]);
  }
  return 0;
}
