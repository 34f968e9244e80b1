/*
 * The signaler's MEGA client: the session (mega.c, megatree.c,
 * megasc.c, megalogin.c), the request queue with its retries
 * (megaq.c), the drop folder and its files (drop.c).  Keys never come
 * here: every operation that needs one is a request to crypto,
 * answered by sequence number.
 *
 * Layers, each calling only those below it: https.c and megaapi.c;
 * the queue (megaq.c); the session: its state (mega.c), the tree
 * (megatree.c), sc (megasc.c), the login (megalogin.c), in that order
 * (mega_local.h); the drop (drop.c); signaler.c, the dispatcher, on
 * top.  A lower layer speaks to a higher one only through what the
 * higher one registered: the session's struct mq_hooks, the drop's
 * struct mega_events.
 */

#ifndef CLAWD_MEGA_H
#define CLAWD_MEGA_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "clawd_imsg.h"
#include "megaapi.h"

/* Client states, as clawctl show drop prints them. */
enum mega_state {
	MEGA_DISABLED = 0,	/* no mega block */
	MEGA_LOGIN,		/* resuming or logging in */
	MEGA_LOADING,		/* reading the tree, finding the folder */
	MEGA_READY,
	MEGA_BADCRED,		/* wrong password: wait for a reload */
	MEGA_BLOCKED,		/* account blocked: wait for a reload */
	MEGA_OVERQUOTA,
	MEGA_ERROR
};

struct mega_stats {
	uint64_t	 requests;
	uint64_t	 errors;
	uint64_t	 retries;
	uint64_t	 logins;
	uint64_t	 puts;
	uint64_t	 gets;
	uint64_t	 deletes;
};

/* Flags of a queued command. */
#define MQ_ALONE	0x01	/* in a batch of its own (f, us0, us) */
#define MQ_LOGIN	0x02	/* may go without a session */
#define MQ_LAZY		0x04	/* waits up to MQ_LAZY_MS for company */

/*
 * Every batch waits MQ_GATHER_MS before it leaves, so that the commands
 * one event brings (a server answering many requests, each through the
 * crypto process) go in one request; a lazy command (a delete nobody
 * waits for) waits for the next batch to ride in, or MQ_LAZY_MS.
 */
#define MQ_GATHER_MS	15
#define MQ_LAZY_MS	3000

/*
 * A command's outcome: err is 0 with the result, a MEGA error code, or
 * MA_EBADREPLY; MQ_EGAVEUP when retries are exhausted or the client
 * stopped.
 */
#define MQ_EGAVEUP	(-2000)
typedef void	mq_cb(const json_t *, int, void *);

/*
 * What the queue needs from the session above it: the session id (NULL
 * before a login), the state and a way to set it, the last error, and
 * a new login when the session died (-15).
 */
struct mq_hooks {
	const char	*(*sid)(void);
	int		 (*state)(void);
	void		 (*set_state)(int, const char *);
	void		 (*error)(const char *);
	void		 (*relogin)(void);
};

/* megaq.c */
extern struct mega_stats	 mega_stats;
void	 mq_init(const struct mq_hooks *);
int	 mq_cs(json_t *, int, mq_cb *, void *);
void	 mq_kick(void);
void	 mq_fail_all(int);
void	 mq_pause(unsigned int, const char *);
int64_t	 mq_backoff_left(void);
int	 mq_fetch(const char *, int, const void *, size_t,
	    void (*)(const struct https_reply *, void *), void *);
void	 mq_resolved(const struct imsg_resolve *);
json_t	*mq_take(json_t *);

/*
 * What the session tells the layer above about the drop folder: a full
 * listing (sync_begin, a node per file, sync_end), the folder found
 * (ready, with its handle), a file gone or renamed as sc reports it,
 * and clear when a new account starts over.  One subscriber: the drop.
 */
struct mega_events {
	void	(*on_sync_begin)(void);
	void	(*on_node)(const struct ma_node *);
	void	(*on_sync_end)(void);
	void	(*on_ready)(const char *);
	void	(*on_node_gone)(const char *);
	void	(*on_node_attr)(const char *, const char *);
	void	(*on_clear)(void);
};

/* megalogin.c */
void		 mega_init(void);
int		 mega_conf(const struct imsg_mega_conf *);
void		 mega_account(const struct imsg_mega_account *);
void		 mega_uh(const struct imsg_mega_uh *);
void		 mega_session(const struct imsg_mega_session *);

/* mega.c */
void		 mega_subscribe(const struct mega_events *);
void		 mega_crypto_reply(uint32_t, struct imsg *);
uint32_t	 mega_crypto(uint32_t, void *, size_t, const void *,
		    size_t, void (*)(struct imsg *, void *), void *);
const char	*mega_sid(void);
const char	*mega_user(void);
const char	*mega_client_id(void);
int		 mega_state(void);
int		 mega_usable(void);
const char	*mega_state_name(void);
void		 mega_set_state(int, const char *);
void		 mega_relogin(void);
void		 mega_error(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
const char	*mega_last_error(void);
const char	*mega_folder(void);
const char	*mega_account_name(void);
int		 mega_attr_name(const char *, char *, size_t);
char		*mega_attr_json(const char *);
char		*mega_attr_json_msg(const char *, const uint8_t *, size_t);
int		 mega_attr_msg(const char *, uint8_t *, size_t, size_t *);
int		 mega_p_folder(struct imsg *, const char *, char *, size_t,
		    mq_cb *, void *);

/* megatree.c */
void		 mega_reload(void);

/* megasc.c */
int		 mega_sc_live(void);
int		 mega_following(void);
int64_t		 mega_pace_ms(void);
void		 mega_listen(uint32_t, uint32_t);

/* drop.c */
void	 drop_init(void);
void	 drop_ctl(struct imsg *);
void	 drop_rdv_put(struct imsg *);
void	 drop_rdv_rm(const char *);
void	 drop_roles(uint32_t, uint32_t, uint32_t);
int	 drop_name_ok(const char *);

#endif /* CLAWD_MEGA_H */
