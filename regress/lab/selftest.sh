#!/bin/bash
# selftest.sh: the lab proves itself (clawlab selftest): every NAT
# profile is classified by coturn's RFC 5780 discovery as built, with the
# mapped ports it should show; hairpinning on and off; loss and short
# UDP timeouts take effect; TURN allocates with a REST credential.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh" || exit 99

lab_require_root
lab_require_tools ip nft turnserver conntrack python3 \
    turnutils_natdiscovery turnutils_uclient
exec "$LAB_DIR/clawlab" selftest
