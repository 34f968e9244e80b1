/*
 * Processes and the channels between them.
 *
 * The parent starts every child by fork+exec of its own binary with
 * "-P name"; the child finds its parent channel on fd 3.  The parent
 * then creates a socketpair for every pair of children that talk and
 * hands one end to each (IMSG_SOCKET_IPC).  A child reports
 * IMSG_CHILD_READY once all its channels are up.
 */

#ifndef CLAWD_PROC_H
#define CLAWD_PROC_H

#include <sys/types.h>

#include <pwd.h>

#include <event.h>

#include "clawd_imsg.h"

#define PROC_PARENT_FD	3

struct imsgev {
	struct imsgbuf	 ibuf;
	struct event	 ev;
	short		 events;
	int		 dead;		/* close after this message */
	int		 self;		/* enum clawd_proc */
	int		 peer;		/* who is at the other end */
	unsigned int	 backlog;	/* not read while so much is queued */
	int		 held;		/* ...and it is: reading stopped */
	void		(*handle)(struct imsgev *, struct imsg *);
	void		(*closed)(struct imsgev *);
};

struct proc_desc {
	int		 id;		/* its name: proc_name(id) */
	void		(*main)(const struct passwd *);
	int		 ischild;
};

const struct proc_desc	*proc_by_name(const char *);
const struct proc_desc	*proc_by_id(int);
int			 proc_talks(int, int);

void	 imsgev_init(struct imsgev *, int, int, int, int,
	    void (*)(struct imsgev *, struct imsg *),
	    void (*)(struct imsgev *));
void	 imsgev_add(struct imsgev *);
void	 imsgev_clear(struct imsgev *);
int	 imsgev_compose(struct imsgev *, uint32_t, uint32_t, pid_t, int,
	    const void *, size_t);
int	 imsgev_compose2(struct imsgev *, uint32_t, uint32_t,
	    const void *, size_t, const void *, size_t);

/* Parent side. */
pid_t	 proc_spawn(const char *, int, int, int, struct imsgev *,
	    void (*)(struct imsgev *, struct imsg *),
	    void (*)(struct imsgev *));
void	 proc_connect(struct imsgev *, struct imsgev *);

/* Child side. */
extern struct imsgev	*iev_peer[PROC_MAX];
void	 proc_child_start(int,
	    void (*)(struct imsgev *, struct imsg *),
	    void (*)(void));
void	 proc_child_run(int, const struct passwd *,
	    void (*)(struct imsgev *, struct imsg *), void (*)(void));
__attribute__((__noreturn__))
void	 proc_unexpected(struct imsgev *, struct imsg *);
int	 proc_imsg_fd(struct imsg *);
int	 proc_child_compose(int, uint32_t, uint32_t, pid_t, int,
	    const void *, size_t);
int	 proc_child_compose2(int, uint32_t, uint32_t, const void *, size_t,
	    const void *, size_t);

#endif /* CLAWD_PROC_H */
