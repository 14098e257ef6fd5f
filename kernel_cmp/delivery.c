/*
 * delivery.c - reading back what a socket filter delivered.
 */
#include "delivery.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int kc_recv_delivered(int fd, long *got, char *note, size_t notelen)
{
	unsigned char byte;
	ssize_t r = recv(fd, &byte, sizeof(byte), MSG_DONTWAIT | MSG_TRUNC);

	if (r >= 0) {
		*got = (long)r;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		*got = -1; /* dropped: verdict 0 or an abort */
		return 0;
	}
	snprintf(note, notelen, "recv: %s", strerror(errno));
	return errno;
}
