/* huibao-aggregator: the county service. See docs/architecture.md. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include "admin.h"
#include "backup.h"
#include "commands.h"
#include "config.h"
#include "hb_err.h"
#include "hb_log.h"
#include "server.h"
#include "verify.h"

int main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "verify") == 0)
    return verify_main(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "backup") == 0)
    return backup_main(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "admin") == 0)
    return admin_main(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "review") == 0) /* issue 14 */
    return review_main(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "history") == 0)
    return history_main(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "account") == 0)
    return account_main(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "list") == 0) /* issue 15 */
    return list_main(argc - 1, argv + 1);

  agg_config cfg;
  char err[512];
  int rc = config_parse(&cfg, argc, argv, err, sizeof err);
  if (rc != 0) { /* the command line (64) or the -c file (78), not an hb_exit_for class */
    fprintf(stderr, "huibao-aggregator: %s\n%s", err,
            rc == HB_EINVAL ? "Try 'huibao-aggregator --help'.\n" : "");
    config_free(&cfg);
    return rc == HB_EINVAL ? EX_USAGE : EX_CONFIG;
  }
  int code = 0;
  switch (cfg.action) {
  case CONFIG_HELP: fputs(config_usage(), stdout); break;
  case CONFIG_VERSION: printf("huibao-aggregator %s\n", HUIBAO_VERSION); break;
  case CONFIG_CHECK: code = server_check_config(&cfg); break;
  case CONFIG_RUN:
    /* Two malloc arenas, not one per thread: libzmq's I/O threads and the
     * main loop hand buffers to each other, and per-thread arenas keep
     * freed memory stranded (catch-up peak 36 MB with the default, 28 MB
     * with 2: docs/performance.md, row 5f'). */
    mallopt(M_ARENA_MAX, 2);
    hb_log_init("huibao-aggregator", cfg.log_level);
    code = server_run(&cfg);
    break;
  }
  config_free(&cfg);
  return code;
}
