/* verify_dash.c: the verification's flags in the dashboard's documents
 * (verify_dash.h). */
#include "verify_dash.h"

#include <stdlib.h>
#include <string.h>
#include "hb_err.h"

static char *dump(json_t *j)
{
  return j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) : NULL;
}

/* Sets "verify" on every county row of a counties document ({"campaigns":
 * [{"counties": [{"code", ...}]}]}) that vj knows. */
static int mark_counties(json_t *counties, json_t *vj)
{
  size_t i, j;
  json_t *camp, *row;
  json_array_foreach(json_object_get(counties, "campaigns"), i, camp)
  {
    json_array_foreach(json_object_get(camp, "counties"), j, row)
    {
      const char *code = json_string_value(json_object_get(row, "code"));
      json_t *k = code ? sub_verify_json_county(vj, code) : NULL;
      if (!k)
        continue;
      json_t *flag = json_pack("{s:O, s:O}", "failed", json_object_get(k, "failed"), "findings",
                               json_object_get(k, "findings"));
      if (!flag || json_object_set_new(row, "verify", flag) != 0)
        return HB_ENOMEM;
    }
  }
  return 0;
}

int sub_verify_dash_apply(const sub_verify *v, sub_dash_docs *d, char **verify_doc)
{
  *verify_doc = NULL;
  json_t *vj = sub_verify_json(v);
  json_t *counties = d->counties ? json_loads(d->counties, 0, NULL) : NULL;
  json_t *event = d->event ? json_loads(d->event, 0, NULL) : NULL;
  int rc = HB_ENOMEM;
  char *nc = NULL, *ne = NULL, *nv = NULL;
  if (!vj || !counties || !event || mark_counties(counties, vj) != 0 ||
      json_object_set(event, "counties", counties) != 0 ||
      json_object_set(event, "verify", vj) != 0)
    goto out;
  nc = dump(counties);
  ne = dump(event);
  nv = dump(vj);
  if (!nc || !ne || !nv)
    goto out;
  free(d->counties);
  free(d->event);
  d->counties = nc;
  d->event = ne;
  *verify_doc = nv;
  nc = ne = nv = NULL;
  rc = 0;
out:
  free(nc);
  free(ne);
  free(nv);
  json_decref(vj);
  json_decref(counties);
  json_decref(event);
  return rc;
}
