/* bench_rec.c: synthetic ledger records of about 200 bytes. */
#include "bench_rec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "huibao/v1/huibao.pb-c.h"

#define DAY_2023_06_01 19509 /* days since 1970-01-01 */

static const char *const titles[] = {
    "深入学习贯彻党的二十大精神专题研讨暨理论学习中心组集中学习会议，结合本单位实际逐条对照检查",
    "围绕“强化宗旨意识、践行群众路线”开展主题党日活动并进行交流发言，支部书记带头讲党课",
    "组织党员干部赴革命教育基地开展现场教学，重温入党誓词，撰写心得体会，集中交流研讨",
};
static const char *const problems[] = {
    "理论学习存在碎片化现象，系统学习不够深入，学用结合不够紧密，指导实践不足",
    "调查研究不够深入，有时满足于听汇报、看材料，深入基层一线了解实情较少",
    "落实整改措施跟踪问效不到位，部分问题整改进度滞后，长效机制建设不够完善",
};

size_t bench_rec_pack(const bench_rec_spec *s, uint64_t i, uint8_t *buf, size_t cap)
{
  char id[32];
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  r.seq = i + 1;
  if (i % 3 != 2) {
    snprintf(id, sizeof id, "A%07llu", (unsigned long long)i);
    a.unit = (char *)s->unit;
    a.id = id;
    a.version = s->version;
    a.campaign = (char *)s->campaign;
    a.has_date = 1;
    a.date = DAY_2023_06_01 + (int32_t)(i % 180);
    a.has_kind = 1;
    a.kind = (Huibao__V1__ActivityKind)(1 + i % 12);
    a.has_level = 1;
    a.level = (Huibao__V1__ActivityLevel)(1 + i % 2);
    a.has_sessions = 1;
    a.sessions = 1 + (uint32_t)(i % 3);
    a.has_participants = 1;
    a.participants = 10 + (uint32_t)(i % 300);
    a.has_outputs = 1;
    a.outputs = (uint32_t)(i % 5);
    a.title = (char *)titles[i % 3];
    r.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
    r.activity = &a;
  } else {
    snprintf(id, sizeof id, "P%07llu", (unsigned long long)i);
    p.unit = (char *)s->unit;
    p.id = id;
    p.version = s->version;
    p.campaign = (char *)s->campaign;
    p.has_identified_on = 1;
    p.identified_on = DAY_2023_06_01 + (int32_t)(i % 90);
    p.has_scope = 1;
    p.scope = (Huibao__V1__ProblemScope)(1 + i % 2);
    p.category = (char *)s->category;
    p.has_status = 1;
    p.status = (Huibao__V1__ProblemStatus)(1 + i % 3);
    p.has_measures = 1;
    p.measures = (uint32_t)(i % 4);
    p.has_deadline = 1;
    p.deadline = p.identified_on + 30 + (int32_t)(i % 200);
    if (p.status == HUIBAO__V1__PROBLEM_STATUS__RESOLVED) {
      p.has_resolved_on = 1;
      p.resolved_on = p.identified_on + 20;
    }
    p.description = (char *)problems[i % 3];
    r.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
    r.problem = &p;
  }
  size_t n = huibao__v1__record__get_packed_size(&r);
  return n <= cap ? huibao__v1__record__pack(&r, buf) : 0;
}

/* A Submit is packed by hand (field 1 batch_id, 2 unit, 3 records as
 * length-delimited Records) so no Record array has to be built. */
typedef struct grow_buf {
  ProtobufCBuffer base;
  uint8_t **buf;
  size_t *cap, len;
  int oom;
} grow_buf;

static void grow_append(ProtobufCBuffer *b, size_t n, const uint8_t *data)
{
  grow_buf *g = (grow_buf *)b;
  if (g->oom)
    return;
  if (g->len + n > *g->cap) {
    size_t c = *g->cap ? *g->cap : 4096;
    while (c < g->len + n)
      c *= 2;
    uint8_t *nb = realloc(*g->buf, c);
    if (!nb) {
      g->oom = 1;
      return;
    }
    *g->buf = nb;
    *g->cap = c;
  }
  memcpy(*g->buf + g->len, data, n);
  g->len += n;
}

static void put_varint(grow_buf *g, uint64_t v)
{
  uint8_t b[10];
  size_t n = 0;
  do {
    b[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    b[n] |= v ? 0x80 : 0;
    n++;
  } while (v);
  grow_append(&g->base, n, b);
}

size_t bench_submit_pack(const bench_rec_spec *s, uint64_t batch_id, uint64_t first, size_t n,
                         uint8_t **buf, size_t *cap)
{
  grow_buf g;
  memset(&g, 0, sizeof g);
  g.base.append = grow_append;
  g.buf = buf;
  g.cap = cap;
  put_varint(&g, 1 << 3 | 0);
  put_varint(&g, batch_id);
  size_t ul = strlen(s->unit);
  put_varint(&g, 2 << 3 | 2);
  put_varint(&g, ul);
  grow_append(&g.base, ul, (const uint8_t *)s->unit);
  uint8_t rec[1024];
  for (size_t k = 0; k < n; k++) {
    size_t rl = bench_rec_pack(s, first + k, rec, sizeof rec);
    put_varint(&g, 3 << 3 | 2);
    put_varint(&g, rl);
    grow_append(&g.base, rl, rec);
  }
  return g.oom ? 0 : g.len;
}

uint64_t bench_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double bench_quantile(double *v, size_t n, double q)
{
  if (n == 0)
    return 0;
  qsort(v, n, sizeof *v, cmp_double);
  size_t k = (size_t)(q * (double)(n - 1) + 0.5);
  return v[k < n ? k : n - 1];
}
