/* Tests lib/hb_cert.c and lib/hb_zap.c: key files in zcert format, and a
 * CURVE server that admits exactly the keys of its keyring, over real tcp. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "hb_cert.h"
#include "hb_err.h"
#include "hb_zap.h"
#include "test.h"

static char dir[64], keys[96];

static void test_write_read(void)
{
  hb_cert c, back;
  hb_diags d;
  char err[256];
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_OK, hb_cert_generate(&c, "dlz"));
  CHECK_EQ_INT(HB_OK, hb_cert_write(&c, dir, "server", err, sizeof err));
  CHECK_EQ_INT(HB_EINVAL, hb_cert_write(&c, dir, "server", err, sizeof err)); /* no overwrite */
  char path[160];
  snprintf(path, sizeof path, "%s/server.key_secret", dir);
  struct stat st;
  CHECK_EQ_INT(0, stat(path, &st));
  CHECK_EQ_INT(0600, st.st_mode & 0777);
  CHECK_EQ_INT(HB_OK, hb_cert_read(path, 1, &back, &d));
  CHECK_EQ_STR(c.public_key, back.public_key);
  CHECK_EQ_STR(c.secret_key, back.secret_key);
  CHECK_EQ_STR("dlz", back.name);
  /* The public file has no secret key: asking for one is an error. */
  snprintf(path, sizeof path, "%s/server.key", dir);
  CHECK_EQ_INT(HB_EINVAL, hb_cert_read(path, 1, &back, &d));
  CHECK_EQ_INT(1, d.count);
  CHECK_CONTAINS(d.items[0].message, "key_secret");
  hb_diags_free(&d);
}

static void test_bad_files(void)
{
  hb_diags d;
  hb_cert c;
  hb_diags_init(&d);
  char path[160];
  snprintf(path, sizeof path, "%s/bad.key", dir);
  FILE *f = fopen(path, "w");
  fputs("# comment\n\ncurve\n    public-key = \"tooshort\"\n", f);
  fclose(f);
  CHECK_EQ_INT(HB_EINVAL, hb_cert_read(path, 0, &c, &d));
  CHECK_EQ_INT(1, d.count);
  CHECK_EQ_INT(4, d.items[0].line);
  CHECK_EQ_STR("public-key", d.items[0].column);
  /* A secret file others can read is refused. */
  snprintf(path, sizeof path, "%s/server.key_secret", dir);
  chmod(path, 0644);
  CHECK_EQ_INT(HB_EINVAL, hb_cert_read(path, 1, &c, &d));
  CHECK_CONTAINS(d.items[1].message, "chmod 600");
  chmod(path, 0600);
  hb_diags_free(&d);
}

static void *connect_client(void *ctx, const char *ep, const hb_cert *client,
                            const char *server_pub)
{
  void *s = zmq_socket(ctx, ZMQ_DEALER);
  int linger = 0, timeout = 1500;
  zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
  zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
  if (client)
    hb_zap_client_socket(s, client, server_pub);
  zmq_connect(s, ep);
  return s;
}

/* Polls router and zap until a message arrives (or 1.5 s); returns the
 * User-Id of the message, or "" if none came. */
static void receive_user(void *router, hb_zap *zap, char *user, size_t len)
{
  user[0] = '\0';
  for (int i = 0; i < 30; i++) {
    zmq_pollitem_t items[] = {{router, 0, ZMQ_POLLIN, 0}, {hb_zap_socket(zap), 0, ZMQ_POLLIN, 0}};
    zmq_poll(items, 2, 50);
    if (items[1].revents)
      hb_zap_handle(zap, NULL, NULL);
    if (items[0].revents) {
      zmq_msg_t id, body;
      zmq_msg_init(&id);
      zmq_msg_init(&body);
      zmq_msg_recv(&id, router, 0);
      zmq_msg_recv(&body, router, 0);
      const char *u = zmq_msg_gets(&body, "User-Id");
      snprintf(user, len, "%s", u ? u : "(none)");
      zmq_msg_close(&id);
      zmq_msg_close(&body);
      return;
    }
  }
}

static void test_curve_zap(void)
{
  hb_cert server, unit, stranger;
  char err[256];
  hb_cert_generate(&server, "county");
  hb_cert_generate(&unit, "dlz");
  hb_cert_generate(&stranger, "x");
  mkdir(keys, 0700);
  CHECK_EQ_INT(HB_OK, hb_cert_write(&unit, keys, "dlz", err, sizeof err));
  char secret[160];
  snprintf(secret, sizeof secret, "%s/dlz.key_secret", keys);
  unlink(secret); /* a county keeps only public certs */

  hb_keyring ring;
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_OK, hb_keyring_load(keys, &ring, &d));
  CHECK_EQ_INT(1, ring.count);
  CHECK_EQ_STR("dlz", hb_keyring_find(&ring, unit.public_key));
  CHECK(hb_keyring_find(&ring, stranger.public_key) == NULL);

  void *ctx = zmq_ctx_new();
  hb_zap *zap;
  CHECK_EQ_INT(HB_OK, hb_zap_open(ctx, &zap));
  hb_zap_set_keyring(zap, HB_ZAP_DOMAIN, &ring);
  void *router = zmq_socket(ctx, ZMQ_ROUTER);
  CHECK_EQ_INT(HB_OK, hb_zap_server_socket(router, &server, HB_ZAP_DOMAIN));
  CHECK_EQ_INT(0, zmq_bind(router, "tcp://127.0.0.1:*"));
  char ep[128];
  size_t eplen = sizeof ep;
  zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, ep, &eplen);

  char user[80];
  void *good = connect_client(ctx, ep, &unit, server.public_key);
  zmq_send(good, "hi", 2, ZMQ_DONTWAIT);
  receive_user(router, zap, user, sizeof user);
  CHECK_EQ_STR("dlz", user);

  void *bad = connect_client(ctx, ep, &stranger, server.public_key);
  zmq_send(bad, "hi", 2, ZMQ_DONTWAIT);
  receive_user(router, zap, user, sizeof user);
  CHECK_EQ_STR("", user); /* refused during the handshake: nothing arrives */

  void *plain = connect_client(ctx, ep, NULL, NULL);
  zmq_send(plain, "hi", 2, ZMQ_DONTWAIT);
  receive_user(router, zap, user, sizeof user);
  CHECK_EQ_STR("", user);

  zmq_close(good);
  zmq_close(bad);
  zmq_close(plain);
  zmq_close(router);
  hb_zap_close(zap);
  zmq_ctx_term(ctx);
  hb_diags_free(&d);
}

int main(void)
{
  snprintf(dir, sizeof dir, "/tmp/hb-zap-test-XXXXXX");
  if (!mkdtemp(dir))
    return 2;
  snprintf(keys, sizeof keys, "%s/keys", dir);
  RUN(test_write_read);
  RUN(test_bad_files);
  RUN(test_curve_zap);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    return 2;
  return test_summary();
}
