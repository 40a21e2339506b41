/* backup.h: huibao-aggregator backup: an online, compacted copy of the
 * county store (mdb_env_copy2 with MDB_CP_COMPACT), taken while the service
 * runs. */
#ifndef AGG_BACKUP_H
#define AGG_BACKUP_H

/* `huibao-aggregator backup --data DIR --out DIR`; argv[0] is "backup".
 * Returns the process exit code after printing its messages. */
int backup_main(int argc, char **argv);

#endif
