/* admin.h: `huibao-aggregator admin`: an operator's repairs of the store.
 *
 *   admin --data DIR unlock UNIT ID [--kind activity|problem]
 *       deletes one record of UNIT (a row locked by a version from the
 *       future, or any row to be taken back): it leaves the unit's
 *       aggregate, the campaign's seq grows, and the next version the
 *       unit's agent sends for the row is stored;
 *   admin --data DIR reset-unit UNIT
 *       deletes every record of UNIT the same way (the unit's agent then
 *       sends everything again once its --state folder is removed).
 *
 * Safe while the service runs: LMDB serialises this process's write
 * transaction with the service's, aggregates move in the same transaction
 * as the records, and meta "admin-gen" makes the service reload its
 * memory and republish (store.h). Every change is logged (syslog
 * "huibao-aggregator" at notice) and printed. */
#ifndef AGG_ADMIN_H
#define AGG_ADMIN_H

/* The subcommand: argv[0] is "admin". Returns the exit code: 0 done, 64
 * bad command line, 65 no such record (or the id names both an activity
 * and a problem: give --kind), 66 no store in DIR, 74 cannot write. */
int admin_main(int argc, char **argv);

#endif
