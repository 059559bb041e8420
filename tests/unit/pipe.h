/* pipe.h: for unit tests that read through a pipe: standard input becomes a pipe that
 * a child fills with a file's bytes (pipe_from), until pipe_done restores it. */
#ifndef TEST_PIPE_H
#define TEST_PIPE_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t feeder;
static int saved_stdin = -1;

/* Makes standard input a pipe that a child fills with the bytes of FILE. */
static void pipe_from(const char *file)
{
	int fds[2];
	if (pipe(fds) != 0)
		return;
	fflush(stdout);
	feeder = fork();
	if (feeder == 0) {
		close(fds[0]);
		int fd = open(file, O_RDONLY);
		char buf[1 << 16];
		ssize_t n;
		while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
			if (write(fds[1], buf, (size_t)n) != n)
				break;
		_exit(0);
	}
	close(fds[1]);
	saved_stdin = dup(0);
	dup2(fds[0], 0);
	close(fds[0]);
}

/* Restores standard input and reaps the child. */
static void pipe_done(void)
{
	int status;
	dup2(saved_stdin, 0);
	close(saved_stdin);
	waitpid(feeder, &status, 0);
}

#endif
