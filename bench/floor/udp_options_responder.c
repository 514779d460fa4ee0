/*
 * Bench "floor" target: the least work a UDP SIP responder can do.
 * Answers every datagram that looks like a SIP request with a canned
 * "SIP/2.0 200 OK" built by copying the request's Via, From, To (a tag is
 * added when missing), Call-ID and CSeq lines. One thread, one socket, no
 * parsing beyond line matching. Responses and junk are ignored.
 *
 *   udp_options_responder IP PORT
 *
 * Stops on SIGTERM/SIGINT and prints the number of requests answered.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int signo)
{
    (void)signo;
    stop = 1;
}

/* header name match, full or compact form, followed by optional spaces and ':' */
static int is_header(const char *line, size_t len, const char *full, char compact)
{
    size_t n = strlen(full);
    size_t i;
    if (len > n && strncasecmp(line, full, n) == 0)
        i = n;
    else if (compact && len > 1 && (line[0] == compact || line[0] == compact - 32))
        i = 1;
    else
        return 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    return i < len && line[i] == ':';
}

static size_t append(char *out, size_t pos, size_t cap, const char *s, size_t n)
{
    if (pos + n >= cap)
        return pos;
    memcpy(out + pos, s, n);
    return pos + n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s IP PORT\n", argv[0]);
        return 2;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
        fprintf(stderr, "bad ip %s\n", argv[1]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    int rcvbuf = 4 * 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("bind");
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: recvfrom returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    char in[65536], out[65536];
    unsigned long long answered = 0;
    while (!stop) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof peer;
        ssize_t n = recvfrom(fd, in, sizeof in - 1, 0, (struct sockaddr *)&peer, &plen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("recvfrom");
            break;
        }
        in[n] = '\0';
        if (n < 16 || strncmp(in, "SIP/2.0 ", 8) == 0)
            continue; /* too short, or a response */

        size_t pos = 0;
        int have_cseq = 0;
        pos = append(out, pos, sizeof out, "SIP/2.0 200 OK\r\n", 16);
        const char *p = strstr(in, "\r\n"); /* skip the request line */
        while (p) {
            const char *line = p + 2;
            const char *eol = strstr(line, "\r\n");
            if (!eol || eol == line)
                break; /* end of headers */
            size_t len = (size_t)(eol - line);
            if (is_header(line, len, "Via", 'v') || is_header(line, len, "From", 'f') ||
                is_header(line, len, "Call-ID", 'i')) {
                pos = append(out, pos, sizeof out, line, len + 2);
            } else if (is_header(line, len, "CSeq", 0)) {
                pos = append(out, pos, sizeof out, line, len + 2);
                have_cseq = 1;
            } else if (is_header(line, len, "To", 't')) {
                pos = append(out, pos, sizeof out, line, len);
                if (!memmem(line, len, ";tag=", 5))
                    pos = append(out, pos, sizeof out, ";tag=floor", 10);
                pos = append(out, pos, sizeof out, "\r\n", 2);
            }
            p = eol;
        }
        if (!have_cseq)
            continue; /* not a SIP request */
        pos = append(out, pos, sizeof out, "Content-Length: 0\r\n\r\n", 21);
        if (sendto(fd, out, pos, 0, (struct sockaddr *)&peer, plen) >= 0)
            answered++;
    }
    fprintf(stderr, "udp_options_responder answered=%llu\n", answered);
    close(fd);
    return 0;
}
