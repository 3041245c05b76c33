/*
 * fuzz-serve.c - the preview server's request paths (cmd/site/serve.c):
 * raw HTTP requests, through libmicrohttpd, to answer() and completed()
 * as `sam-serve-static serve` runs them, on a small built site.
 *
 * serve.c is compiled into this file, so that its static functions run
 * unchanged and nothing of it is exported for the harness; its
 * site_serve() is not called (it listens and waits for signals).  The
 * daemon takes no listening socket: each input is one connection, a
 * socket pair handed to MHD_add_connection(), driven by MHD_run() in
 * this thread; the answers are read and dropped.  The site has the
 * routes' files, a file large enough to go out by sendfile, a link to
 * its parent, a link to a directory, a FIFO and a hidden file.
 * Property: no crash, no leak, no undefined behaviour, every request
 * ends (the loop is bounded).
 */
#include "../cmd/site/serve.c"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

#include "fuzz.h"

const char site_usage[] = "usage: fuzz-serve\n";

/* sam-serve-static.c's, which the harness does not link: serve's -h. */
int
site_help(void)
{
	return SAM_EXIT_OK;
}

const struct sam_tool site_tool = { "fuzz-serve", site_usage, NULL, NULL, NULL };

static struct MHD_Daemon *daemon_;
static struct server server_;
static char site[] = "/tmp/fuzz-serve.XXXXXX";

static void
put(const char *rel, const char *text, size_t repeat)
{
	char path[256];
	FILE *fp;
	size_t i;

	snprintf(path, sizeof path, "%s/%s", site, rel);
	if (!(fp = fopen(path, "w")))
		abort();
	for (i = 0; i < repeat; i++)
		fputs(text, fp);
	if (fclose(fp) != 0)
		abort();
}

static void
site_dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", site, rel);
	if (mkdir(path, 0755) < 0)
		abort();
}

static int
rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
cleanup(void)
{
	if (daemon_)
		MHD_stop_daemon(daemon_);
	nftw(site, rm, 16, FTW_DEPTH | FTW_PHYS);
	sam_map_free(&etags, free);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const sev[] = { "low", "medium", "high", "critical" };
	char path[256];
	int i;

	(void)argc;
	(void)argv;
	sam_log_init("fuzz-serve");
	sam_log_set_format("json");	/* the access log's escaping */
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(site))
		abort();
	atexit(cleanup);
	put("index.html", "<!doctype html><title>sam</title>\n", 1);
	put("health.json", "{\"status\":\"ok\"}\n", 1);
	put("anomalies.json", "[]\n", 1);
	put("style.css", "body{}\n", 1);
	put("app.js", "\"use strict\";\n", 1);
	put(SITE_MARKER, "", 1);
	put(".hidden", "secret\n", 1);
	put("big.json", "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]\n", 2000);
	site_dir("anomalies");
	site_dir("anomalies/severity");
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "anomalies/severity/%s.json", sev[i]);
		put(path, "[]\n", 1);
	}
	put("anomalies/AAPL.json", "[]\n", 1);
	put("anomalies/BRK.B.json", "[]\n", 1);
	site_dir("ticker");
	put("ticker/AAPL.html", "<!doctype html><title>AAPL</title>\n", 1);
	put("ticker/^GSPC.html", "<!doctype html><title>^GSPC</title>\n", 1);
	snprintf(path, sizeof path, "%s/outside", site);
	if (symlink("..", path) < 0)
		abort();
	snprintf(path, sizeof path, "%s/linked", site);
	if (symlink("ticker", path) < 0)
		abort();
	snprintf(path, sizeof path, "%s/fifo", site);
	if (mkfifo(path, 0600) < 0)
		abort();
	server_.dir = site;
	server_.throttle.rate = 0;	/* the throttle depends on the clock */
	daemon_ = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, answer, &server_,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, &server_,
	    MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes, NULL,
	    MHD_OPTION_END);
	if (!daemon_)
		abort();
	return 0;
}

static unsigned
connections(void)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(daemon_,
	    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return i ? i->num_connections : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(40000) };
	char buf[65536];
	size_t off = 0;
	int fds[2], idle = 0, i;
	ssize_t n = 1;

	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
		abort();
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	if (MHD_add_connection(daemon_, fds[0], (struct sockaddr *)&peer, sizeof peer) != MHD_YES)
		abort();
	/* the request in, the answers out, until nothing moves */
	for (i = 0; i < 10000 && idle < 4 && n != 0; i++) {
		int moved = 0;
		if (off < size && (n = write(fds[1], data + off, size - off)) > 0) {
			off += (size_t)n;
			moved = 1;
		}
		MHD_run(daemon_);
		while ((n = read(fds[1], buf, sizeof buf)) > 0)
			moved = 1;
		idle = moved ? 0 : idle + 1;
	}
	close(fds[1]);
	for (i = 0; i < 100 && connections() > 0; i++)
		MHD_run(daemon_);
	if (connections() > 0)
		fuzz_fail("a connection outlived its client");
	return 0;
}
