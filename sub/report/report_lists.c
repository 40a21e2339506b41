/* report_lists.c: the lists of a report's model (report_lists.h). */
#include "report_lists.h"

#include <stdio.h>
#include <string.h>
#include "hb_err.h"
#include "hb_list.h"
#include "replica.h"

/* The rows of what for campaign: a new array, or NULL with *rc set. */
static json_t *list_rows(sub_replica *rep, hb_list_what what, const char *campaign,
                         const sub_collect *c, int32_t today, int *rc, char *err, size_t errlen)
{
  hb_list_filter f = {.campaign = campaign, .today = today};
  hb_list *l = NULL;
  if ((*rc = hb_list_new(&l, what, &f)) != 0)
    return NULL;
  for (size_t i = 0; c && i < c->count && *rc == 0; i++) {
    const sub_entry *e = &c->items[i];
    if (e->r && strcmp(e->campaign, campaign) == 0)
      *rc = hb_list_names_from_rollup(l, e->r->source ? e->r->source : e->origin, e->r);
  }
  if (*rc == 0)
    *rc = sub_replica_foreach(rep, NULL, hb_list_add, l, err, errlen);
  json_t *rows = *rc == 0 ? json_copy(hb_list_rows(l)) : NULL;
  if (*rc == 0 && !rows)
    *rc = HB_ENOMEM;
  hb_list_free(l);
  return rows;
}

int sub_report_model_lists(json_t *model, const char *data_dir, const char *campaign,
                           const sub_collect *c, int32_t today, bool *had_replica, char *err,
                           size_t errlen)
{
  static const char *const keys[] = {"problems_list", "cases_list", "activities_list"};
  static const hb_list_what whats[] = {HB_LIST_PROBLEMS, HB_LIST_CASES, HB_LIST_ACTIVITIES};
  sub_replica *rep = NULL;
  int rc = 0;
  if (had_replica)
    *had_replica = false;
  if (data_dir) {
    rc = sub_replica_open(&rep, data_dir, true, err, errlen);
    if (rc == HB_ENOTFOUND)
      rc = 0, rep = NULL;
  }
  if (had_replica)
    *had_replica = rep != NULL;
  for (size_t k = 0; k < 3 && rc == 0; k++) {
    json_t *rows =
        rep ? list_rows(rep, whats[k], campaign, c, today, &rc, err, errlen) : json_array();
    if (rc == 0 && (!rows || json_object_set_new(model, keys[k], rows) != 0))
      rc = HB_ENOMEM;
  }
  if (rep)
    sub_replica_close(rep);
  if (rc == HB_ENOMEM)
    snprintf(err, errlen, "out of memory");
  return rc;
}
