/* huibao-keygen: writes CURVE key pairs in czmq's zcert format.
 *
 *   huibao-keygen --out DIR NAME [NAME...]
 *
 * For each NAME: DIR/NAME.key (public, give it to the peer) and
 * DIR/NAME.key_secret (mode 0600, stays on this machine). For a unit, NAME
 * is its code: the county installs NAME.key in its --keys folder. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "hb_cert.h"
#include "hb_cli.h"
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

typedef struct keygen_opts {
  const char *out;
} keygen_opts;

static const hb_cli_opt keygen_table[] = {
    {.name = "out", .letter = 'o', .kind = HB_CLI_STR, .offset = offsetof(keygen_opts, out)},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.name = "version", .kind = HB_CLI_VERSION},
    {.kind = HB_CLI_END},
};

int main(int argc, char **argv)
{
  keygen_opts o = {0};
  char why[512];
  int first_name = 0;
  int rc = hb_cli_parse(keygen_table, 0, &o, argc, argv, &first_name, why, sizeof why);
  if (rc == HB_CLI_HELP_ASKED) {
    usage(stdout);
    return 0;
  }
  if (rc == HB_CLI_VERSION_ASKED) {
    printf("huibao-keygen %s\n", HUIBAO_VERSION);
    return 0;
  }
  if (rc != HB_CLI_RUN) {
    fprintf(stderr, "huibao-keygen: %s\n", why);
    usage(stderr);
    return EX_USAGE;
  }
  const char *out = o.out;
  if (!out || first_name >= argc) {
    fputs("huibao-keygen: --out DIR and at least one NAME are required\n", stderr);
    usage(stderr);
    return EX_USAGE;
  }
  if (mkdir(out, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "huibao-keygen: create %s: %s\n", out, strerror(errno));
    return EX_CANTCREAT;
  }
  for (int i = first_name; i < argc; i++) {
    if (!hb_unit_code_valid(argv[i])) {
      fprintf(stderr, "huibao-keygen: %s: a name is 1-64 characters of A-Z a-z 0-9 _ . -\n",
              argv[i]);
      return EX_USAGE;
    }
  }
  for (int i = first_name; i < argc; i++) {
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
