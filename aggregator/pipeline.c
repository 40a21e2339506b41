/* pipeline.c: a decoding thread and a one-drain handoff (mutex + condvar). */
#include "pipeline.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include "hb_err.h"

struct pipeline {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool busy; /* a drain handed over and not yet decoded */
  bool stop;
  ingest_ctx c; /* the drain in progress */
  ingest_item *items;
  size_t n;
  ingest_drain *done;
};

static void *pipeline_main(void *arg)
{
  pipeline *p = arg;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (!p->busy && !p->stop)
      pthread_cond_wait(&p->cond, &p->lock);
    if (!p->busy)
      break;
    pthread_mutex_unlock(&p->lock);
    ingest_drain *d;
    (void)ingest_decode(&p->c, p->items, p->n, &d); /* NULL: out of memory */
    pthread_mutex_lock(&p->lock);
    p->done = d;
    p->busy = false;
    pthread_cond_broadcast(&p->cond);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

int pipeline_open(pipeline **out)
{
  *out = NULL;
  pipeline *p = calloc(1, sizeof *p);
  if (!p)
    return HB_ENOMEM;
  if (pthread_mutex_init(&p->lock, NULL) != 0) {
    free(p);
    return HB_ENOMEM;
  }
  if (pthread_cond_init(&p->cond, NULL) != 0) {
    pthread_mutex_destroy(&p->lock);
    free(p);
    return HB_ENOMEM;
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old); /* inherited: SIGHUP/SIGTERM interrupt zmq_poll */
  int rc = pthread_create(&p->thread, NULL, pipeline_main, p);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
    return HB_EIO;
  }
  *out = p;
  return 0;
}

void pipeline_close(pipeline *p)
{
  if (!p)
    return;
  pthread_mutex_lock(&p->lock);
  p->stop = true;
  pthread_cond_broadcast(&p->cond);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->thread, NULL); /* a drain in progress is finished first */
  pthread_cond_destroy(&p->cond);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

void pipeline_start(pipeline *p, const ingest_ctx *c, ingest_item *items, size_t n)
{
  pthread_mutex_lock(&p->lock);
  p->c = *c;
  p->items = items;
  p->n = n;
  p->done = NULL;
  p->busy = true;
  pthread_cond_broadcast(&p->cond);
  pthread_mutex_unlock(&p->lock);
}

void pipeline_wait(pipeline *p, ingest_drain **out)
{
  pthread_mutex_lock(&p->lock);
  while (p->busy)
    pthread_cond_wait(&p->cond, &p->lock);
  *out = p->done;
  p->done = NULL;
  pthread_mutex_unlock(&p->lock);
}
