/*
 * Bench scenario D sender: N non-SIP UDP datagrams of a fixed size to
 * HOST:PORT (loopback only), paced at RATE packets/s or unpaced (RATE 0).
 *
 *   udp_flood HOST PORT COUNT RATE SIZE [MAX_SECONDS]
 *
 * Pacing: packet i is due at start + i/RATE; the sender sleeps while it is
 * ahead of schedule and sends back-to-back while behind, so the average rate
 * holds even when one sleep is longer than the packet interval.
 * Prints one line: sent=.. errors=.. elapsed_s=.. rate=..
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s HOST PORT COUNT RATE SIZE [MAX_SECONDS]\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    long long count = atoll(argv[3]);
    double rate = atof(argv[4]);
    int size = atoi(argv[5]);
    double max_seconds = argc > 6 ? atof(argv[6]) : 300.0;
    if (size < 8 || size > 1400 || count < 0 || port <= 0) {
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
    /* loopback only */
    if ((ntohl(dst.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "refusing non-loopback target %s\n", host);
        return 2;
    }

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    int sndbuf = 4 * 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    if (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) {
        perror("connect");
        return 1;
    }
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

    char buf[1500];
    long long sent = 0, errors = 0;
    long long start = now_ns();
    long long deadline = start + (long long)(max_seconds * 1e9);
    double interval_ns = rate > 0 ? 1e9 / rate : 0;

    for (long long i = 0; i < count; i++) {
        if (interval_ns > 0) {
            long long due = start + (long long)(i * interval_ns);
            long long t = now_ns();
            if (due > t + 20000) { /* more than 20 us ahead: sleep */
                struct timespec ts = { (due - t) / 1000000000LL, (due - t) % 1000000000LL };
                nanosleep(&ts, NULL);
            }
        }
        if ((i & 1023) == 0 && now_ns() > deadline) {
            fprintf(stderr, "udp_flood: time limit reached\n");
            break;
        }
        /* non-SIP payload: "NOSIP <seq>" padded with '.', ends with LF */
        int n = snprintf(buf, sizeof buf, "NOSIP %lld ", i);
        if (n > size - 1)
            n = size - 1;
        memset(buf + n, '.', (size_t)(size - 1 - n));
        buf[size - 1] = '\n';
        ssize_t r = send(fd, buf, (size_t)size, 0);
        if (r == size) {
            sent++;
        } else {
            errors++;
            if (errno == ENOBUFS || errno == EAGAIN) {
                struct timespec ts = { 0, 50000 };
                nanosleep(&ts, NULL);
            }
        }
    }
    double elapsed = (now_ns() - start) / 1e9;
    printf("sent=%lld errors=%lld elapsed_s=%.3f rate=%.1f\n", sent, errors, elapsed,
           elapsed > 0 ? sent / elapsed : 0.0);
    close(fd);
    return 0;
}
