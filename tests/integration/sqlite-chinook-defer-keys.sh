# Chinook again with --defer-keys: primary keys added after the data.
DEFER_KEYS=1
. "$(dirname "$0")/sqlite-chinook.sh"
