/*
 * The pod sandbox's process for the e2e cluster (containerd's sandbox_image), built here because
 * no image can be pulled. It holds the pod's namespaces open: it waits for signals, reaps any
 * zombie handed to it (it is PID 1 of the pod's PID namespace when the namespace is shared), and
 * exits 0 on SIGTERM or SIGINT, which is how the runtime stops a sandbox.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  int saved = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static int on(int sig, void (*handler)(int), int flags) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  action.sa_flags = flags;
  sigemptyset(&action.sa_mask);
  return sigaction(sig, &action, NULL);
}

int main(void) {
  if (on(SIGTERM, stop, 0) || on(SIGINT, stop, 0) || on(SIGCHLD, reap, SA_NOCLDSTOP | SA_RESTART)) {
    perror("pause: sigaction");
    return 1;
  }
  for (;;) pause();
}
