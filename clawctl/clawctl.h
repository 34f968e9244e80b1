/*
 * clawctl: the output table shared by the text and JSON back ends.
 */

#ifndef CLAWCTL_H
#define CLAWCTL_H

#include "clawd_imsg.h"
#include "parser.h"

/*
 * One back end prints one request's replies: head() before the first
 * reply, one call per reply, tail() at the end.  result() returns
 * what the request made of a ctl_result: 0 success, 1 failure.
 */
struct output {
	void	(*head)(enum actions);
	void	(*status)(const struct ctl_status *);
	void	(*nat)(const struct ctl_nat *);
	void	(*nat_behaviour)(const struct ctl_nat_behaviour *);
	void	(*peer)(const struct ctl_peer *);
	void	(*counter)(const struct ctl_counter *);
	void	(*drop_state)(const struct ctl_drop_state *);
	void	(*drop_file)(const struct ctl_drop_file *);
	int	(*result)(const struct ctl_result *);
	void	(*tail)(void);
};

extern const struct output	 text_output;
extern const struct output	 json_output;

/* output.c */
const char	*nat_state_name(uint32_t);
const char	*fmt_key(const uint8_t *, char *, size_t);
const char	*fmt_capeff(uint64_t);
const char	*fmt_addr(const struct sockaddr_storage *, char *, size_t);
int		 addr_isset(const struct sockaddr_storage *);
const char	*fmt_age(int64_t, char *, size_t);
const char	*fmt_backoff(int64_t, char *, size_t);

#endif /* CLAWCTL_H */
