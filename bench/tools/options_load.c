/*
 * Bench scenario A generator that is not the bottleneck: COUNT OPTIONS
 * requests to HOST:PORT (loopback only) at RATE per second, every reply
 * matched to its request by the Call-ID, round trips in microseconds.
 *
 *   options_load HOST PORT COUNT RATE [TIMEOUT_MS] [SKIP_S]
 *
 * sipp spends about 30 us of CPU per OPTIONS here (its own limit is near
 * 32,000/s on one core); this sender costs a few microseconds, so a rate sweep
 * finds the server's limit, not the generator's. Both threads work in ticks
 * of TICK_US, so the generator's cost is system calls per tick, not per
 * request: one thread sends every request that is due (request i at
 * start + i/RATE) with sendmmsg, then sleeps; the other drains its socket
 * with recvmmsg, then sleeps. Round trips are measured from the send time to
 * the kernel's receive time stamp (SO_TIMESTAMPNS), so the receiver's sleep
 * is not in them. A request counts as failed when its reply
 * is not a 200 or has not come TIMEOUT_MS (default 5000) after the last send.
 * Requests are not retransmitted: a lost datagram is a failed request.
 * Round trips of requests sent in the first SKIP_S seconds (default 1) are
 * left out of the percentiles, as bench/tools/latency.py does for sipp.
 *
 * Prints one line:
 *   sent=.. ok=.. failed=.. unanswered=.. non200=.. duplicates=.. elapsed_s=..
 *   rate=.. p50_us=.. p99_us=.. p999_us=.. max_us=.. gen_cpu_ms=.. gen_drops=..
 * (percentiles -1 when no round trip was counted; gen_drops: replies the kernel dropped at this
 * generator's own full receive buffer, SO_RXQ_OVFL — counted as unanswered, but not the server's doing)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 16 /* one send time stamp per batch: small, so later messages of a batch are not much later */
#define TICK_US 1000
#define MAX_US 10000000 /* histogram range: 10 s, 1 us buckets */

/* CLOCK_REALTIME: the clock of the kernel's receive time stamps */
static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct state {
    int fd;
    long long count;
    double rate;
    long long skip_ns;
    long long start_ns;
    long long *sent_at;            /* per request: send time, 0 = not sent yet */
    unsigned char *answered;       /* per request: 0 none, 1 200, 2 other */
    unsigned int *hist;            /* round trips of counted requests */
    long long over_range;
    long long ok, non200, duplicates, stray;
    long long max_us;
    unsigned int gen_drops;        /* SO_RXQ_OVFL: the kernel's count of replies dropped at our socket */
    atomic_llong sent;
    atomic_int sending_done;
    long long last_send_ns;
    char local[64];
};

static int format_request(char *buf, size_t cap, const struct state *s, const char *host, int port, long long i)
{
    return snprintf(buf, cap,
        "OPTIONS sip:bench@%s:%d SIP/2.0\r\n"
        "Via: SIP/2.0/UDP %s;branch=z9hG4bK-ol%lld;rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:load@%s>;tag=ol%lld\r\n"
        "To: <sip:bench@%s:%d>\r\n"
        "Call-ID: ol-%lld@%s\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Contact: <sip:load@%s>\r\n"
        "Accept: application/sdp\r\n"
        "Content-Length: 0\r\n\r\n",
        host, port, s->local, i, s->local, i, host, port, i, s->local, s->local);
}

struct sender_args {
    struct state *s;
    const char *host;
    int port;
};

static void sleep_us(long long us)
{
    struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
    nanosleep(&ts, NULL);
}

static void *sender(void *arg)
{
    struct sender_args *a = arg;
    struct state *s = a->s;
    static char bufs[BATCH][1024];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    memset(msgs, 0, sizeof msgs);
    long long next = 0;
    while (next < s->count) {
        long long due = (long long)((double)(now_ns() - s->start_ns) * s->rate / 1e9) + 1;
        if (due > s->count)
            due = s->count;
        while (next < due) {
            int n = 0;
            for (; n < BATCH && next + n < due; n++) {
                int len = format_request(bufs[n], sizeof bufs[n], s, a->host, a->port, next + n);
                iov[n].iov_base = bufs[n];
                iov[n].iov_len = (size_t)len;
                msgs[n].msg_hdr.msg_iov = &iov[n];
                msgs[n].msg_hdr.msg_iovlen = 1;
            }
            long long at = now_ns();
            for (int k = 0; k < n; k++)
                s->sent_at[next + k] = at;
            int done = sendmmsg(s->fd, msgs, (unsigned int)n, 0);
            if (done < 0)
                done = 0;
            for (int k = done; k < n; k++)
                s->sent_at[next + k] = -1; /* counted as failed: the kernel refused it */
            atomic_fetch_add_explicit(&s->sent, done, memory_order_release);
            next += n;
        }
        if (next < s->count)
            sleep_us(TICK_US);
    }
    s->last_send_ns = now_ns();
    atomic_store_explicit(&s->sending_done, 1, memory_order_release);
    return NULL;
}

/* The number after "Call-ID: ol-" in a reply, or -1. */
static long long reply_index(const char *msg, size_t len)
{
    const char *p = memmem(msg, len, "\r\nCall-ID: ol-", 14);
    if (p == NULL)
        return -1;
    p += 14;
    long long v = 0;
    int digits = 0;
    while (p < msg + len && *p >= '0' && *p <= '9' && digits < 18) {
        v = v * 10 + (*p - '0');
        p++;
        digits++;
    }
    return digits ? v : -1;
}

static void on_reply(struct state *s, const char *msg, size_t len, long long at)
{
    long long i = reply_index(msg, len);
    if (i < 0 || i >= s->count || s->sent_at[i] <= 0) {
        s->stray++;
        return;
    }
    if (s->answered[i]) {
        s->duplicates++;
        return;
    }
    int ok = len > 12 && memcmp(msg, "SIP/2.0 200 ", 12) == 0;
    s->answered[i] = ok ? 1 : 2;
    if (!ok) {
        s->non200++;
        return;
    }
    s->ok++;
    if (s->sent_at[i] - s->start_ns < s->skip_ns)
        return;
    long long us = (at - s->sent_at[i]) / 1000;
    if (us < 0)
        us = 0; /* the realtime clock was stepped back */
    if (us > s->max_us)
        s->max_us = us;
    if (us >= MAX_US)
        s->over_range++;
    else
        s->hist[us]++;
}

/* The kernel's receive time stamp of a datagram (SO_TIMESTAMPNS), else FALLBACK; notes the
 * socket's drop count (SO_RXQ_OVFL) on the way. */
static long long received_at(struct state *s, struct msghdr *h, long long fallback)
{
    long long at = fallback;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof ts);
            at = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
            unsigned int drops;
            memcpy(&drops, CMSG_DATA(c), sizeof drops);
            if (drops > s->gen_drops)
                s->gen_drops = drops;
        }
    }
    return at;
}

static long long percentile_us(const struct state *s, double p)
{
    long long n = s->over_range;
    for (long long u = 0; u < MAX_US; u++)
        n += s->hist[u];
    if (n == 0)
        return -1;
    long long rank = (long long)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    long long seen = 0;
    for (long long u = 0; u < MAX_US; u++) {
        seen += s->hist[u];
        if (seen >= rank)
            return u;
    }
    return MAX_US;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s HOST PORT COUNT RATE [TIMEOUT_MS] [SKIP_S]\n", argv[0]);
        return 2;
    }
    struct state s;
    memset(&s, 0, sizeof s);
    const char *host = argv[1];
    int port = atoi(argv[2]);
    s.count = atoll(argv[3]);
    s.rate = atof(argv[4]);
    long long timeout_ns = (argc > 5 ? atoll(argv[5]) : 5000) * 1000000LL;
    s.skip_ns = (long long)((argc > 6 ? atof(argv[6]) : 1.0) * 1e9);
    if (port <= 0 || s.count <= 0 || s.count > 100000000LL || s.rate <= 0) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }

    struct sockaddr_in dst;
    memset(&dst, 0, sizeof dst);
    dst.sin_family = AF_INET;
    dst.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &dst.sin_addr) != 1) {
        fprintf(stderr, "bad host %s\n", host);
        return 2;
    }
    if ((ntohl(dst.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "refusing non-loopback target %s\n", host);
        return 2;
    }
    s.fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (s.fd < 0) {
        perror("socket");
        return 1;
    }
    int buf = 8 * 1024 * 1024;
    setsockopt(s.fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    /* past net.core.rmem_max when allowed (root): a small buffer would drop replies here */
    if (setsockopt(s.fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0)
        setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    int on = 1;
    setsockopt(s.fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    setsockopt(s.fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
    if (connect(s.fd, (struct sockaddr *)&dst, sizeof dst) != 0) {
        perror("connect");
        return 1;
    }
    struct sockaddr_in me;
    socklen_t melen = sizeof me;
    getsockname(s.fd, (struct sockaddr *)&me, &melen);
    snprintf(s.local, sizeof s.local, "%s:%d", host, ntohs(me.sin_port));
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

    s.sent_at = calloc((size_t)s.count, sizeof *s.sent_at);
    s.answered = calloc((size_t)s.count, 1);
    s.hist = calloc(MAX_US, sizeof *s.hist);
    if (!s.sent_at || !s.answered || !s.hist) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }

    s.start_ns = now_ns();
    struct sender_args sa = { &s, host, port };
    pthread_t th;
    if (pthread_create(&th, NULL, sender, &sa) != 0) {
        perror("pthread_create");
        return 1;
    }

    static char bufs[BATCH][2048];
    static char ctrl[BATCH][CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(unsigned int))];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    for (;;) {
        for (int k = 0; k < BATCH; k++) {
            iov[k].iov_base = bufs[k];
            iov[k].iov_len = sizeof bufs[k] - 1;
            memset(&msgs[k], 0, sizeof msgs[k]);
            msgs[k].msg_hdr.msg_iov = &iov[k];
            msgs[k].msg_hdr.msg_iovlen = 1;
            msgs[k].msg_hdr.msg_control = ctrl[k];
            msgs[k].msg_hdr.msg_controllen = sizeof ctrl[k];
        }
        int n = recvmmsg(s.fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        long long fallback = now_ns();
        for (int k = 0; k < n; k++)
            on_reply(&s, bufs[k], msgs[k].msg_len, received_at(&s, &msgs[k].msg_hdr, fallback));
        if (n == BATCH)
            continue;
        if (atomic_load_explicit(&s.sending_done, memory_order_acquire)) {
            long long answered = s.ok + s.non200;
            if (answered >= atomic_load(&s.sent) || fallback - s.last_send_ns > timeout_ns)
                break;
        }
        sleep_us(TICK_US);
    }
    pthread_join(th, NULL);
    long long end = s.last_send_ns;
    double elapsed = (double)(end - s.start_ns) / 1e9;
    long long sent = atomic_load(&s.sent);
    long long unanswered = sent - s.ok - s.non200;
    long long failed = (s.count - sent) + unanswered + s.non200;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
                    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
    printf("sent=%lld ok=%lld failed=%lld unanswered=%lld non200=%lld duplicates=%lld stray=%lld "
           "elapsed_s=%.3f rate=%.1f p50_us=%lld p99_us=%lld p999_us=%lld max_us=%lld gen_cpu_ms=%.0f gen_drops=%u\n",
           sent, s.ok, failed, unanswered, s.non200, s.duplicates, s.stray, elapsed,
           elapsed > 0 ? (double)sent / elapsed : 0.0, percentile_us(&s, 50), percentile_us(&s, 99),
           percentile_us(&s, 99.9), s.max_us, cpu_ms, s.gen_drops);
    return failed == 0 ? 0 : 1;
}
