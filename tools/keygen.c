/* huibao-keygen: writes CURVE key pairs in czmq's zcert format, and a
 * unit's signing key pair (issue 15).
 *
 *   huibao-keygen --out DIR [--sign | --sign-only] NAME [NAME...]
 *
 * For each NAME: DIR/NAME.key (public, give it to the peer) and
 * DIR/NAME.key_secret (mode 0600, stays on this machine). For a unit, NAME
 * is its code: the county installs NAME.key in its --keys folder. With
 * --sign also DIR/NAME.sign (public) and DIR/NAME.sign_secret (mode 0600):
 * the unit's Ed25519 signing pair (docs/security.md "Signed records");
 * --sign-only writes only those, beside an existing CURVE pair. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "hb_cert.h"
#include "hb_cli.h"
#include "hb_err.h"
#include "hb_sign.h"
#include "hb_units.h"

static void usage(FILE *f)
{
  fputs("usage: huibao-keygen --out DIR [--sign | --sign-only] NAME [NAME...]\n"
        "Writes DIR/NAME.key (public) and DIR/NAME.key_secret (secret, mode 0600)\n"
        "for each NAME (a unit code, or e.g. 'county' / 'city').\n"
        "  --sign       also the unit's signing pair: DIR/NAME.sign (public, for the\n"
        "               county's and the city's unit keys folders) and\n"
        "               DIR/NAME.sign_secret (secret, mode 0600, for the unit's agent)\n"
        "  --sign-only  only the signing pair (a unit that has its CURVE pair already)\n"
        "Existing files are never overwritten.\n",
        f);
}

typedef struct keygen_opts {
  const char *out;
  int sign, sign_only; /* issue 15: the signing pair too / only */
} keygen_opts;

static const hb_cli_opt keygen_table[] = {
    {.name = "out", .letter = 'o', .kind = HB_CLI_STR, .offset = offsetof(keygen_opts, out)},
    {.name = "sign", .kind = HB_CLI_FLAG, .offset = offsetof(keygen_opts, sign)},
    {.name = "sign-only", .kind = HB_CLI_FLAG, .offset = offsetof(keygen_opts, sign_only)},
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
    if ((o.sign || o.sign_only) && hb_sign_keypair_write(out, argv[i], err, sizeof err) != HB_OK) {
      fprintf(stderr, "huibao-keygen: %s\n", err);
      return EX_CANTCREAT;
    }
    if (o.sign || o.sign_only)
      printf("%s/%s.sign\n%s/%s.sign_secret\n", out, argv[i], out, argv[i]);
    if (o.sign_only)
      continue;
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
