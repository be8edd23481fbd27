// Moved to server/store/store.h (the contract) and
// server/store/sqlite/sqlite_store.h (its SQLite implementation).
#include "server/store/store.h"
