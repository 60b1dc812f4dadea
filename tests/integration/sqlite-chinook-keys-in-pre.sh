# Chinook again with --keys-in-pre: primary keys and unique constraints in
# the CREATE TABLE, so that duplicates are refused row by row in the load.
KEYS_IN_PRE=1
. "$(dirname "$0")/sqlite-chinook.sh"
