package testdb

// The statements that give each test its own database. They live here, not
// in sql/, because only tests run them: no binary may carry a DROP DATABASE.
// %s marks an identifier quoted with pgx.Identifier before formatting.
const (
	// lockTemplate serialises test binaries building the template.
	lockTemplate   = "SELECT pg_advisory_lock(7259406531024810002)"
	unlockTemplate = "SELECT pg_advisory_unlock(7259406531024810002)"

	databaseExists     = "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)"
	createDatabase     = "CREATE DATABASE %s"
	createFromTemplate = "CREATE DATABASE %s TEMPLATE %s"
	renameDatabase     = "ALTER DATABASE %s RENAME TO %s"
	dropDatabase       = "DROP DATABASE IF EXISTS %s WITH (FORCE)"

	// transactionCount reads a database's transactions from the admin
	// connection (DB.Transactions).
	transactionCount = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1"
)
