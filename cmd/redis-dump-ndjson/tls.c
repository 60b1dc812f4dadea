/*
 * tls.c: Redis over TLS (rediss://, --tls) with Debian's hiredis 0.14, which
 * has no TLS of its own.  The TLS session (OpenSSL) is made here, its
 * certificate and host name checked, and then handed to hiredis as one end
 * of a socket pair: a thread moves the bytes between the pair's other end
 * and the TLS session, both ways, until either side closes.  hiredis (and
 * --snapshot's reader, which reads the socket itself) see plain bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "rdump.h"

#define BRIDGE_BUF 65536

struct bridge {
	SSL *ssl;
	SSL_CTX *ctx;
	int tcp, pair;
	int done; /* the thread has closed both sockets (under lock) */
	pthread_t th;
	char up[BRIDGE_BUF], down[BRIDGE_BUF]; /* to the server, from it */
	size_t uplen, downlen, downoff;
};

/*
 * The bridges made, so that at exit each is stopped and its thread joined
 * before the process ends (a thread cut off half way through freeing its
 * session would leave it neither freed nor reachable).
 */
#define MAX_BRIDGES 256
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct bridge *bridges[MAX_BRIDGES];
static int nbridges;

static int __attribute__((format(printf, 3, 4)))
failf(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* OpenSSL's reason for the last failure, or the certificate's. */
static const char *
ssl_reason(SSL *ssl, char *buf, size_t n)
{
	long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
	unsigned long e = ERR_get_error();

	if (v != X509_V_OK)
		snprintf(buf, n, "certificate verify failed: %s",
			 X509_verify_cert_error_string(v));
	else if (e)
		ERR_error_string_n(e, buf, n);
	else
		snprintf(buf, n,
			 "the connection was closed during the "
			 "handshake");
	ERR_clear_error();
	return buf;
}

static void
bridge_free(struct bridge *b)
{
	if (b->ssl)
		SSL_free(b->ssl);
	if (b->ctx)
		SSL_CTX_free(b->ctx);
	if (b->tcp >= 0)
		close(b->tcp);
	if (b->pair >= 0)
		close(b->pair);
	free(b);
}

/*
 * The thread: bytes from hiredis (the pair) to the server, and from the
 * server to hiredis, until either closes; then it closes both, so that the
 * other sees the end.  Both sockets are non-blocking, so that neither
 * direction waits on the other (TLS 1.3 sends records of its own, session
 * tickets, that a blocking read would sit on while a command waits).
 */
static void *
bridge_run(void *arg)
{
	struct bridge *b = arg;
	struct pollfd p[2];
	int rd_want = SSL_ERROR_WANT_READ, wr_want = 0, r, e, progress;
	ssize_t k;

	for (;;) {
		progress = 0;
		/* to the server: the same bytes again until they are taken */
		if (b->uplen) {
			r = SSL_write(b->ssl, b->up, (int)b->uplen);
			if (r > 0) {
				b->uplen = 0;
				wr_want = 0;
				progress = 1;
			} else {
				e = SSL_get_error(b->ssl, r);
				if (e != SSL_ERROR_WANT_READ &&
				    e != SSL_ERROR_WANT_WRITE)
					break;
				wr_want = e;
			}
		}
		/* from the server */
		if (!b->downlen) {
			r = SSL_read(b->ssl, b->down, sizeof(b->down));
			if (r > 0) {
				b->downlen = (size_t)r;
				b->downoff = 0;
				progress = 1;
			} else {
				e = SSL_get_error(b->ssl, r);
				if (e != SSL_ERROR_WANT_READ &&
				    e != SSL_ERROR_WANT_WRITE)
					break; /* the server is gone */
				rd_want = e;
			}
		}
		/* to hiredis */
		while (b->downlen) {
			k = write(b->pair, b->down + b->downoff, b->downlen);
			if (k < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK ||
				    errno == EINTR)
					break;
				goto out;
			}
			b->downoff += (size_t)k;
			b->downlen -= (size_t)k;
			progress = 1;
		}
		/* from hiredis */
		if (!b->uplen) {
			k = read(b->pair, b->up, sizeof(b->up));
			if (k == 0)
				break; /* hiredis is done */
			if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				break;
			if (k > 0) {
				b->uplen = (size_t)k;
				progress = 1;
			}
		}
		if (progress)
			continue;
		p[0].fd = b->pair;
		p[0].events = (short)((b->uplen ? 0 : POLLIN) |
				      (b->downlen ? POLLOUT : 0));
		p[1].fd = b->tcp;
		p[1].events = 0;
		if ((b->uplen && wr_want == SSL_ERROR_WANT_READ) ||
		    (!b->downlen && rd_want == SSL_ERROR_WANT_READ))
			p[1].events |= POLLIN;
		if ((b->uplen && wr_want == SSL_ERROR_WANT_WRITE) ||
		    (!b->downlen && rd_want == SSL_ERROR_WANT_WRITE))
			p[1].events |= POLLOUT;
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
	}
out:
	SSL_shutdown(b->ssl);
	pthread_mutex_lock(&lock);
	close(b->tcp);
	close(b->pair);
	b->tcp = b->pair = -1;
	b->done = 1;
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* At exit: stop every bridge still running, wait for it, free it. */
static void
bridges_end(void)
{
	int i;

	for (i = 0; i < nbridges; i++) {
		pthread_mutex_lock(&lock);
		if (!bridges[i]->done)
			shutdown(bridges[i]->pair, SHUT_RDWR);
		pthread_mutex_unlock(&lock);
		pthread_join(bridges[i]->th, NULL);
		bridge_free(bridges[i]);
	}
	nbridges = 0;
}

/* A TCP connection to host:port within tv; the socket or -1 with why. */
static int
tcp_connect(const char *host, int port, const struct timeval *tv, char *why,
	    size_t whylen)
{
	struct addrinfo hints = {0}, *res, *a;
	char ports[16];
	int fd = -1, rc, one = 1;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(ports, sizeof(ports), "%d", port);
	if ((rc = getaddrinfo(host, ports, &hints, &res)) != 0)
		return failf(why, whylen, "cannot connect: %s",
			     gai_strerror(rc));
	for (a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
			    a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, tv, sizeof(*tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, sizeof(*tv));
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		rc = errno;
		close(fd);
		fd = -1;
		errno = rc;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return failf(why, whylen, "cannot connect: %s",
			     strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int
rd_tls_connect(const char *host, int port, const struct rd_tls *o,
	       const struct timeval *tv, char *why, size_t whylen)
{
	struct bridge *b = calloc(1, sizeof(*b));
	struct in6_addr ip6;
	struct in_addr ip4;
	int sv[2];
	char reason[256];

	if (!b)
		return failf(why, whylen, "out of memory");
	b->tcp = b->pair = -1;
	if (!(b->ctx = SSL_CTX_new(TLS_client_method())))
		goto ssl_fail;
	SSL_CTX_set_min_proto_version(b->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(b->ctx, SSL_VERIFY_PEER, NULL);
	if (o->ca ? SSL_CTX_load_verify_locations(b->ctx, o->ca, NULL) != 1
		  : SSL_CTX_set_default_verify_paths(b->ctx) != 1) {
		failf(why, whylen, "--cacert %s: %s", o->ca ? o->ca : "",
		      ssl_reason(NULL, reason, sizeof(reason)));
		goto fail;
	}
	if (o->cert &&
	    (SSL_CTX_use_certificate_chain_file(b->ctx, o->cert) != 1 ||
	     SSL_CTX_use_PrivateKey_file(b->ctx, o->key ? o->key : o->cert,
					 SSL_FILETYPE_PEM) != 1 ||
	     SSL_CTX_check_private_key(b->ctx) != 1)) {
		failf(why, whylen, "--cert %s: %s", o->cert,
		      ssl_reason(NULL, reason, sizeof(reason)));
		goto fail;
	}
	if ((b->tcp = tcp_connect(host, port, tv, why, whylen)) < 0)
		goto fail;
	if (!(b->ssl = SSL_new(b->ctx)) || SSL_set_fd(b->ssl, b->tcp) != 1)
		goto ssl_fail;
	/* the certificate must name the host (or its address) */
	if (inet_pton(AF_INET, host, &ip4) == 1 ||
	    inet_pton(AF_INET6, host, &ip6) == 1) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(b->ssl),
						  host) != 1)
			goto ssl_fail;
	} else if (SSL_set1_host(b->ssl, host) != 1 ||
		   SSL_set_tlsext_host_name(b->ssl, host) != 1) {
		goto ssl_fail;
	}
	if (SSL_connect(b->ssl) != 1) {
		failf(why, whylen, "TLS: %s",
		      ssl_reason(b->ssl, reason, sizeof(reason)));
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		failf(why, whylen, "socketpair: %s", strerror(errno));
		goto fail;
	}
	b->pair = sv[1];
	fcntl(b->pair, F_SETFL, fcntl(b->pair, F_GETFL) | O_NONBLOCK);
	fcntl(b->tcp, F_SETFL, fcntl(b->tcp, F_GETFL) | O_NONBLOCK);
	if (nbridges == MAX_BRIDGES ||
	    pthread_create(&b->th, NULL, bridge_run, b) != 0) {
		close(sv[0]);
		failf(why, whylen, "cannot start the TLS thread");
		goto fail;
	}
	if (nbridges == 0)
		atexit(bridges_end);
	bridges[nbridges++] = b;
	return sv[0];
ssl_fail:
	failf(why, whylen, "TLS: %s", ssl_reason(NULL, reason, sizeof(reason)));
fail:
	bridge_free(b);
	return -1;
}
