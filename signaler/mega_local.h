/*
 * What the files of the signaler's MEGA session share and nothing
 * else includes: the session's state (sess) and the calls between them.
 * The session is four files, each calling only those below it:
 *
 *	megalogin.c	configuration, account, login and resume;
 *			mega_init() sets up the others (top)
 *	megasc.c	following the folder: sc, wait URLs, pacing,
 *			pause, polling where there is no sc
 *	megatree.c	the tree: f, the walk to the folder, making it
 *	mega.c		the state and what every layer asks of it:
 *			accessors, errors, crypto requests, attributes,
 *			a new login (bottom)
 *
 * The one call that would go up, the tree starting to follow the
 * folder it found, is a callback megasc.c registers with
 * mega_tree_init().  regress/unit/callcycles.sh checks the order.
 *
 * Include after mega.h, <sys/queue.h>, <time.h> and <event.h>.
 */

#ifndef CLAWD_MEGA_LOCAL_H
#define CLAWD_MEGA_LOCAL_H

#define MEGA_POLL_MS		15000	/* f without sc, plus jitter */
#define MEGA_MADE_MS		2000	/* after a mkdir, f again */
#define MEGA_PATH_DEPTH		16

struct creq;

/* The one session. */
struct mega_session {
	int		 state;
	char		 why[MEGA_ERR_MAX];	/* last error */
	char		 folder[CLAWD_PATH_MAX];
	char		 email[MEGA_EMAIL_MAX];
	char		 sid[MEGA_SID_MAX];
	char		 u[MEGA_USER_MAX];
	char		 ci[11];		/* our client id, "i" */
	int		 have_conf;
	int		 have_account;
	unsigned int	 login_failures;
	time_t		 last_login;
	struct event	 login_ev;

	/* Finding the folder: the f reply, walked one level at a time. */
	struct ma_nodes	 nodes;
	char		 path[MEGA_PATH_DEPTH][DROP_NAME_MAX];
	size_t		 depth, level;
	char		 cur[MA_HANDLE_LEN + 1];
	char		 chain[MEGA_PATH_DEPTH + 1][MA_HANDLE_LEN + 1];
	char		 best[MA_HANDLE_LEN + 1];
	char		 drop[MA_HANDLE_LEN + 1];	/* the folder */
	int64_t		 best_ts;
	size_t		 pending;		/* names asked for */
	unsigned int	 generation;		/* of the walk */
	int		 made;			/* we made a folder */
	struct event	 made_ev;		/* then read f again */

	/* Changes. */
	char		 sn[MA_SN_LEN + 1];
	int		 sc_live;
	int		 sc_busy;
	int		 sc_waiting;		/* the busy one is a wait */
	int		 paused;		/* no peer needs the drop */
	int		 decided;		/* netengine said, after ready */
	int		 catchup;		/* resumed: the drop is told */
	int		 paced;			/* one client among many */
	unsigned int	 pace_ms;		/* paced: sc at most so often */
	struct timespec	 pace_last;		/* the last packets */
	unsigned int	 sc_failures;
	struct timespec	 sc_last;
	struct event	 sc_ev;
	struct event	 poll_ev;

	TAILQ_HEAD(, creq) creqs;
	size_t		 ncreqs;
	uint32_t	 seq;

	const struct mega_events *ev;	/* the drop's */
};

extern struct mega_session	 sess;

/* mega.c */
extern const struct mq_hooks	 mega_mq_hooks;
void	 mega_timer(struct event *, unsigned int);

/* megatree.c */
void	 mega_tree_init(void (*)(void));
void	 mega_load(void);
void	 mega_f_done(const json_t *, int, void *);
int	 mega_in_chain(const char *);

/* megasc.c */
void	 mega_sc_init(void);

#endif /* CLAWD_MEGA_LOCAL_H */
