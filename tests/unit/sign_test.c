/* sign_test.c: lib/hb_sign.h, records signed by their units (issue 15). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_err.h"
#include "hb_sign.h"
#include "test.h"

static uint8_t pk[HB_SIGN_PUBLIC_LEN], sk[HB_SIGN_SECRET_LEN];
static uint8_t pk2[HB_SIGN_PUBLIC_LEN], sk2[HB_SIGN_SECRET_LEN];

static void keys_make(void)
{
  uint8_t seed[crypto_sign_SEEDBYTES];
  memset(seed, 7, sizeof seed);
  crypto_sign_seed_keypair(pk, sk, seed);
  memset(seed, 8, sizeof seed);
  crypto_sign_seed_keypair(pk2, sk2, seed);
}

/* A problem row as an agent makes it (strings point at literals). */
static void problem_make(Huibao__V1__Problem *p, Huibao__V1__Record *rec)
{
  huibao__v1__problem__init(p);
  p->unit = "U001";
  p->id = "P-1";
  p->version = 1700000000000001ull;
  p->campaign = "主题教育";
  p->category = "形式主义";
  p->description = "台账不全";
  p->has_measures = 1;
  p->measures = 3;
  huibao__v1__record__init(rec);
  rec->seq = 5;
  rec->body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
  rec->problem = p;
}

static void sign_into(const uint8_t *key, Huibao__V1__Record *rec, uint8_t sig[HB_SIGN_LEN])
{
  CHECK_EQ_INT(0, hb_sign_record(key, rec, sig));
  rec->has_signature = 1;
  rec->signature.data = sig;
  rec->signature.len = HB_SIGN_LEN;
}

static void test_sign_verify(void)
{
  Huibao__V1__Problem p;
  Huibao__V1__Record rec;
  uint8_t sig[HB_SIGN_LEN];
  problem_make(&p, &rec);
  CHECK_EQ_INT(HB_ENOTFOUND, hb_sign_record_verify(pk, &rec));
  sign_into(sk, &rec, sig);
  CHECK_EQ_INT(0, hb_sign_record_verify(pk, &rec));
  /* the wrong key */
  CHECK_EQ_INT(HB_EPERM, hb_sign_record_verify(pk2, &rec));
  /* Record.seq is not signed: a resend with another seq verifies */
  rec.seq = 99;
  CHECK_EQ_INT(0, hb_sign_record_verify(pk, &rec));
  /* a body changed after signing */
  p.measures = 4;
  CHECK_EQ_INT(HB_EPERM, hb_sign_record_verify(pk, &rec));
  p.measures = 3;
  p.description = "台账齐全";
  CHECK_EQ_INT(HB_EPERM, hb_sign_record_verify(pk, &rec));
  p.description = "台账不全";
  CHECK_EQ_INT(0, hb_sign_record_verify(pk, &rec));
  /* a signature of another length, a flipped bit */
  rec.signature.len = 63;
  CHECK_EQ_INT(HB_EPERM, hb_sign_record_verify(pk, &rec));
  rec.signature.len = HB_SIGN_LEN;
  sig[10] ^= 1;
  CHECK_EQ_INT(HB_EPERM, hb_sign_record_verify(pk, &rec));
  /* the same body under another kind is other bytes */
  sig[10] ^= 1;
  CHECK_EQ_INT(0, hb_sign_record_verify(pk, &rec));
}

/* The canonical bytes: domain, NUL, the kind byte, the packed body; Ed25519
 * is deterministic, so the signature of a fixed key and record is fixed. */
static void test_canonical_stable(void)
{
  Huibao__V1__Problem p;
  Huibao__V1__Record rec;
  problem_make(&p, &rec);
  uint8_t *c;
  size_t n;
  CHECK_EQ_INT(0, hb_sign_canonical(&rec, &c, &n));
  size_t blen = huibao__v1__problem__get_packed_size(&p);
  CHECK_EQ_INT(sizeof HB_SIGN_DOMAIN + 1 + blen, n);
  CHECK(memcmp(c, "huibao.record.v1\0\3", 18) == 0);
  uint8_t *b = malloc(blen);
  huibao__v1__problem__pack(&p, b);
  CHECK(memcmp(c + 18, b, blen) == 0);
  free(b);
  free(c);
  /* packed by the agent, unpacked and packed again by the county: same */
  uint8_t sig[HB_SIGN_LEN];
  sign_into(sk, &rec, sig);
  size_t rlen = huibao__v1__record__get_packed_size(&rec);
  uint8_t *wire = malloc(rlen);
  huibao__v1__record__pack(&rec, wire);
  Huibao__V1__Record *got = huibao__v1__record__unpack(NULL, rlen, wire);
  CHECK(got != NULL);
  if (got) {
    CHECK_EQ_INT(0, hb_sign_record_verify(pk, got));
    huibao__v1__record__free_unpacked(got, NULL);
  }
  free(wire);
  /* the same key and record always give the same signature */
  uint8_t again[HB_SIGN_LEN];
  CHECK_EQ_INT(0, hb_sign_record(sk, &rec, again));
  CHECK(memcmp(sig, again, sizeof sig) == 0);
}

/* A newer agent's field this version does not know (number 40): it is
 * signed, kept by an unpack and a pack, and verifies; the county then drops
 * it and makes the category a code, keeping the signed body. */
static void test_unknown_fields(void)
{
  Huibao__V1__Problem p;
  Huibao__V1__Record rec;
  problem_make(&p, &rec);
  size_t blen = huibao__v1__problem__get_packed_size(&p);
  uint8_t *newer = malloc(blen + 4);
  huibao__v1__problem__pack(&p, newer);
  newer[blen] = 0xc0; /* field 40, varint: tag 0xc0 0x02, value 42 */
  newer[blen + 1] = 0x02;
  newer[blen + 2] = 0x2a;
  size_t nlen = blen + 3;
  /* the newer agent signs its own packing (fields in number order) */
  uint8_t *canon = malloc(sizeof HB_SIGN_DOMAIN + 1 + nlen);
  memcpy(canon, HB_SIGN_DOMAIN, sizeof HB_SIGN_DOMAIN);
  canon[sizeof HB_SIGN_DOMAIN] = 3;
  memcpy(canon + sizeof HB_SIGN_DOMAIN + 1, newer, nlen);
  uint8_t sig[HB_SIGN_LEN];
  crypto_sign_detached(sig, NULL, canon, sizeof HB_SIGN_DOMAIN + 1 + nlen, sk);
  free(canon);

  /* the county unpacks it: the field is unknown, and still signed */
  Huibao__V1__Problem *got = huibao__v1__problem__unpack(NULL, nlen, newer);
  CHECK(got != NULL);
  if (!got) {
    free(newer);
    return;
  }
  CHECK_EQ_INT(1, got->base.n_unknown_fields);
  Huibao__V1__Record r2 = HUIBAO__V1__RECORD__INIT;
  r2.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
  r2.problem = got;
  r2.has_signature = 1;
  r2.signature.data = sig;
  r2.signature.len = HB_SIGN_LEN;
  CHECK_EQ_INT(0, hb_sign_record_verify(pk, &r2));

  /* the county stores it changed: the unknown field dropped, the category
   * name made its code; the history entry keeps the signed body */
  r2.has_signed_body = 1;
  r2.signed_body.data = newer;
  r2.signed_body.len = nlen;
  ProtobufCMessageUnknownField *unk = got->base.unknown_fields;
  got->base.unknown_fields = NULL;
  got->base.n_unknown_fields = 0;
  char *cat = got->category;
  got->category = "XS";
  CHECK_EQ_INT(0, hb_sign_record_verify(pk, &r2));
  /* ...but the county may not change anything else */
  got->measures = 9;
  CHECK_EQ_INT(HB_EPERM, hb_sign_record_verify(pk, &r2));
  got->measures = 3;
  char *desc = got->description;
  got->description = "已改";
  CHECK_EQ_INT(HB_EPERM, hb_sign_record_verify(pk, &r2));
  got->description = desc;
  CHECK_EQ_INT(0, hb_sign_record_verify(pk, &r2));
  /* a signed body of the wrong key, or not of this kind */
  CHECK_EQ_INT(HB_EPERM, hb_sign_record_verify(pk2, &r2));
  uint8_t junk[3] = {0xff, 0xff, 0xff};
  r2.signed_body.data = junk;
  r2.signed_body.len = sizeof junk;
  CHECK_EQ_INT(HB_EPERM, hb_sign_record_verify(pk, &r2));
  got->category = cat;
  got->base.unknown_fields = unk;
  got->base.n_unknown_fields = 1;
  huibao__v1__problem__free_unpacked(got, NULL);
  free(newer);
}

static void test_key_parse(void)
{
  uint8_t p[HB_SIGN_PUBLIC_LEN], s[HB_SIGN_SECRET_LEN];
  char why[300], pkx[65], skx[129], text[512];
  sodium_bin2hex(pkx, sizeof pkx, pk, sizeof pk);
  sodium_bin2hex(skx, sizeof skx, sk, sizeof sk);
  snprintf(text, sizeof text, "# a comment\n\npublic-key = \"%s\"\n", pkx);
  CHECK_EQ_INT(0, hb_sign_key_parse(text, strlen(text), 0, p, NULL, why, sizeof why));
  CHECK(memcmp(p, pk, sizeof p) == 0);
  CHECK_EQ_INT(HB_EPARSE, hb_sign_key_parse(text, strlen(text), 1, p, s, why, sizeof why));
  CHECK_CONTAINS(why, "secret-key");
  snprintf(text, sizeof text, "public-key = %s\r\nsecret-key = \"%s\"\r\n", pkx, skx);
  CHECK_EQ_INT(0, hb_sign_key_parse(text, strlen(text), 1, p, s, why, sizeof why));
  CHECK(memcmp(s, sk, sizeof s) == 0);
  /* a secret key that is not the public key's */
  char sk2x[129];
  sodium_bin2hex(sk2x, sizeof sk2x, sk2, sizeof sk2);
  snprintf(text, sizeof text, "public-key = \"%s\"\nsecret-key = \"%s\"\n", pkx, sk2x);
  CHECK_EQ_INT(HB_EPARSE, hb_sign_key_parse(text, strlen(text), 1, p, s, why, sizeof why));
  CHECK_CONTAINS(why, "public half");
  static const char *const bad[] = {
      "public-key = \"abc\"\n",
      "public-key\n",
      "colour = \"red\"\n",
      "",
      "public-key = \"0000000000000000000000000000000000000000000000000000000000000000\"\n"
      "public-key = \"0000000000000000000000000000000000000000000000000000000000000000\"\n",
      "public-key = \"zz00000000000000000000000000000000000000000000000000000000000000\"\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK_EQ_INT(HB_EPARSE, hb_sign_key_parse(bad[i], strlen(bad[i]), 0, p, NULL, why, sizeof why));
  CHECK_EQ_INT(HB_EPARSE, hb_sign_key_parse("a\0b", 3, 0, p, NULL, why, sizeof why));
  char *big = calloc(1, HB_SIGN_FILE_MAX + 2);
  memset(big, '#', HB_SIGN_FILE_MAX + 1);
  CHECK_EQ_INT(HB_EPARSE,
               hb_sign_key_parse(big, HB_SIGN_FILE_MAX + 1, 0, p, NULL, why, sizeof why));
  free(big);
}

static void test_files_and_registry(void)
{
  char dir[] = "/tmp/hb_sign_testXXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char err[600], path[256];
  CHECK_EQ_INT(0, hb_sign_keypair_write(dir, "U001", err, sizeof err));
  CHECK_EQ_INT(0, hb_sign_keypair_write(dir, "U002", err, sizeof err));
  CHECK_EQ_INT(HB_EINVAL,
               hb_sign_keypair_write(dir, "U001", err, sizeof err)); /* never overwrites */
  snprintf(path, sizeof path, "%s/U001.sign_secret", dir);
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  uint8_t s[HB_SIGN_SECRET_LEN];
  CHECK_EQ_INT(0, hb_sign_secret_read(path, s, err, sizeof err));
  chmod(path, 0644);
  CHECK_EQ_INT(HB_EINVAL, hb_sign_secret_read(path, s, err, sizeof err));
  CHECK_CONTAINS(err, "chmod 600");
  chmod(path, 0600);
  snprintf(path, sizeof path, "%s/U009.sign_secret", dir);
  CHECK_EQ_INT(HB_ENOTFOUND, hb_sign_secret_read(path, s, err, sizeof err));

  hb_sign_registry *r = NULL;
  CHECK_EQ_INT(0, hb_sign_registry_load(&r, dir, err, sizeof err));
  CHECK_EQ_INT(2, hb_sign_registry_count(r));
  const uint8_t *k1 = hb_sign_registry_key(r, "U001");
  CHECK(k1 != NULL);
  CHECK(hb_sign_registry_key(r, "U003") == NULL);
  CHECK(hb_sign_registry_key(NULL, "U001") == NULL);
  /* the registry's key verifies what the secret file signs */
  snprintf(path, sizeof path, "%s/U001.sign_secret", dir);
  CHECK_EQ_INT(0, hb_sign_secret_read(path, s, err, sizeof err));
  Huibao__V1__Problem p;
  Huibao__V1__Record rec;
  uint8_t sig[HB_SIGN_LEN];
  problem_make(&p, &rec);
  sign_into(s, &rec, sig);
  if (k1)
    CHECK_EQ_INT(0, hb_sign_record_verify(k1, &rec));
  const uint8_t *k2 = hb_sign_registry_key(r, "U002");
  if (k2)
    CHECK_EQ_INT(HB_EPERM, hb_sign_record_verify(k2, &rec));
  hb_sign_registry_free(r);

  /* a bad file fails the load, naming it */
  snprintf(path, sizeof path, "%s/U003.sign", dir);
  FILE *f = fopen(path, "w");
  fputs("public-key = \"12\"\n", f);
  fclose(f);
  r = NULL;
  CHECK_EQ_INT(HB_EPARSE, hb_sign_registry_load(&r, dir, err, sizeof err));
  CHECK(r == NULL);
  CHECK_CONTAINS(err, "U003.sign");
  unlink(path);
  snprintf(path, sizeof path, "%s/bad code!.sign", dir);
  f = fopen(path, "w");
  fclose(f);
  CHECK_EQ_INT(HB_EPARSE, hb_sign_registry_load(&r, dir, err, sizeof err));
  unlink(path);
  CHECK_EQ_INT(HB_ENOTFOUND, hb_sign_registry_load(&r, "/nonexistent/dir", err, sizeof err));

  static const char *const names[] = {"U001.sign", "U001.sign_secret", "U002.sign",
                                      "U002.sign_secret"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  rmdir(dir);
}

static void test_path_beside(void)
{
  char out[64];
  CHECK_EQ_INT(0, hb_sign_path_beside("/etc/huibao/U001.key_secret", out, sizeof out));
  CHECK_EQ_STR("/etc/huibao/U001.sign_secret", out);
  CHECK_EQ_INT(0, hb_sign_path_beside("keys/U001", out, sizeof out));
  CHECK_EQ_STR("keys/U001.sign_secret", out);
  CHECK_EQ_INT(0, hb_sign_path_beside("/run/credentials/huibao-agent@dlz.service/key_secret", out,
                                      sizeof out));
  CHECK_EQ_STR("/run/credentials/huibao-agent@dlz.service/sign_secret", out);
  CHECK_EQ_INT(0, hb_sign_path_beside("key_secret", out, sizeof out));
  CHECK_EQ_STR("sign_secret", out);
  CHECK_EQ_INT(0, hb_sign_path_beside("/k/dlz_key_secret", out, sizeof out));
  CHECK_EQ_STR("/k/dlz_key_secret.sign_secret", out);
  CHECK_EQ_INT(HB_ETOOBIG, hb_sign_path_beside("a-very-long-name.key_secret", out, 10));
}

int main(void)
{
  CHECK(sodium_init() >= 0);
  keys_make();
  RUN(test_sign_verify);
  RUN(test_canonical_stable);
  RUN(test_unknown_fields);
  RUN(test_key_parse);
  RUN(test_files_and_registry);
  RUN(test_path_beside);
  return test_summary();
}
