/* hb_cli.h: one command-line parser for every huibao program.
 *
 * A program declares a static table of its options and where each one goes
 * (an offset into its own settings struct), and calls hb_cli_parse, which
 * runs getopt_long over the table. The parser never prints and never exits:
 * it returns what to do, and on a bad command line a one-line reason in the
 * caller's buffer, always in the same words:
 *
 *   unknown option '--bogus'
 *   option '--data' needs a value
 *   option '--timeout' does not apply to this command
 *   --window: 'x' is not a number of batches from 1 to 64
 *   unexpected argument 'extra'
 *
 * The same table sets options by name from a configuration file
 * (hb_cli_set: "heartbeat-ms = 500" is --heartbeat-ms 500), so a file and
 * the command line cannot accept different keys or values. */
#ifndef HB_CLI_H
#define HB_CLI_H

#include <stddef.h>
#include <stdint.h>

typedef enum hb_cli_kind {
  HB_CLI_END = 0, /* ends the table */
  HB_CLI_FLAG,    /* no value: sets an int to 1 (in a file: true|yes|1 or false|no|0) */
  HB_CLI_STR,     /* const char *: the argument itself (argv outlives the settings) */
  HB_CLI_DUP,     /* char *: an owned copy (the old one is freed); empty refused */
  HB_CLI_INT,     /* int in lo..hi */
  HB_CLI_INT64,   /* int64_t in lo..hi */
  HB_CLI_CALL,    /* the entry's set function takes the value */
  HB_CLI_DO,      /* no value: the entry's set function is called with NULL */
  HB_CLI_HELP,    /* --help: hb_cli_parse stops and returns HB_CLI_HELP */
  HB_CLI_VERSION, /* --version: hb_cli_parse stops and returns HB_CLI_VERSION */
} hb_cli_kind;

/* What hb_cli_parse found besides options to apply (errors are negative). */
enum { HB_CLI_RUN = 0, HB_CLI_HELP_ASKED = 1, HB_CLI_VERSION_ASKED = 2 };

/* A setter of HB_CLI_CALL: applies value to dest (the settings struct plus
 * the entry's offset; offset 0 gives the whole struct). Returns 0, or -1 for
 * a bad value: the message is "--NAME: WHY" when the setter wrote why, else
 * "--NAME: 'VALUE' is not WHAT". */
typedef int (*hb_cli_setter)(void *dest, const char *value, char *why, size_t whylen);

typedef struct hb_cli_opt {
  const char *name;  /* long name without "--"; also its key in a file */
  int letter;        /* short option ('h'), or 0 */
  hb_cli_kind kind;  /* HB_CLI_END for the entry that ends the table */
  size_t offset;     /* offsetof the destination in the settings struct */
  long long lo, hi;  /* HB_CLI_INT, HB_CLI_INT64: the range */
  const char *what;  /* what a value must be: "a number of batches" (the range is added) */
  hb_cli_setter set; /* HB_CLI_CALL */
  unsigned commands; /* bit mask of the commands taking it; 0: all of them */
  int cli_only;      /* not a key of a configuration file (-c FILE, --check-config) */
} hb_cli_opt;

/* Parses argv[1..argc) against opts into conf (argv[0] is the program or
 * the command's name). command is the bit of the command being parsed, for
 * the entries' `commands` masks (0: not checked). Options may come in any
 * order and "--name=value" works; positional arguments are refused unless
 * *npos is given: then argv is permuted (getopt_long) and *npos is the index
 * of the first of them. Returns HB_CLI_RUN, HB_CLI_HELP_ASKED,
 * HB_CLI_VERSION_ASKED, or HB_EINVAL with the reason in err. Resets optind;
 * not reentrant (getopt_long). */
int hb_cli_parse(const hb_cli_opt *opts, unsigned command, void *conf, int argc, char **argv,
                 int *npos, char *err, size_t errlen);

/* Sets the option called name ('_' and '-' alike) to value, as from a
 * configuration file: a string is copied for HB_CLI_DUP only (use that kind
 * for settings a file can hold). Returns 0; HB_ENOTFOUND for no such option
 * (or one that is cli_only), with "unknown setting 'name'" in err; HB_EINVAL
 * for a bad value ("name: 'x' is not ..."); HB_ENOMEM. */
int hb_cli_set(const hb_cli_opt *opts, void *conf, const char *name, const char *value, char *err,
               size_t errlen);

/* A setter for --log-level (dest: an int): error|warning|notice|info|debug
 * (hb_log.h). */
int hb_cli_log_level(void *dest, const char *value, char *why, size_t whylen);

/* Frees the HB_CLI_DUP strings of conf and sets them to NULL. */
void hb_cli_free(const hb_cli_opt *opts, void *conf);

#endif
