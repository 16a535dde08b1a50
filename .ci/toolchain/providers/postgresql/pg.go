package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgConfig is the provider configuration, resolved with upstream's defaults.
type pgConfig struct {
	scheme           string
	host             string
	port             int
	database         string
	username         string
	password         string
	databaseUsername string
	superuser        bool
	sslmode          string
	sslrootcert      string
	certPath         string
	keyPath          string
	sslinline        bool
	connectTimeout   int
	maxConnections   int
	expectedVersion  string
	awsRdsIamAuth    bool
	azureAuth        bool
	// unknown is set when a preview configures the provider with values not known yet.
	unknown bool
}

func (c *pgConfig) currentUser() string {
	if c.databaseUsername != "" {
		return c.databaseUsername
	}
	return c.username
}

// client opens connections as upstream's does: one per operation, none kept idle, so that a
// database can be dropped without stray sessions of ours; at most maxConnections at once.
type client struct {
	cfg pgConfig
	sem chan struct{}

	once    sync.Once
	version serverVersion
	verErr  error
	tmpDir  string
}

func newClient(cfg pgConfig) *client {
	c := &client{cfg: cfg}
	if cfg.maxConnections > 0 {
		c.sem = make(chan struct{}, cfg.maxConnections)
	}
	return c
}

func (c *client) close() {
	if c.tmpDir != "" {
		_ = os.RemoveAll(c.tmpDir)
	}
}

type serverVersion struct{ major, minor, patch int }

func (v serverVersion) atLeast(major, minor int) bool {
	return v.major > major || (v.major == major && v.minor >= minor)
}

var versionRe = regexp.MustCompile(`^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?`)

// parseVersion is tolerant like semver.ParseTolerant: "15.18 (Debian ...)" and "9.6" both parse.
func parseVersion(s string) (serverVersion, error) {
	m := versionRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return serverVersion{}, fmt.Errorf("invalid version (%q)", s)
	}
	var v serverVersion
	v.major, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		v.minor, _ = strconv.Atoi(m[2])
	}
	if m[3] != "" {
		v.patch, _ = strconv.Atoi(m[3])
	}
	return v, nil
}

// quoteDSN quotes a keyword/value connection-string value.
func quoteDSN(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return "'" + s + "'"
}

func (c *client) inlineFile(name, content string) (string, error) {
	if c.tmpDir == "" {
		dir, err := os.MkdirTemp("", "pulumi-postgresql-")
		if err != nil {
			return "", err
		}
		c.tmpDir = dir
	}
	path := filepath.Join(c.tmpDir, name)
	return path, os.WriteFile(path, []byte(content), 0o600)
}

func (c *client) connConfig(database string) (*pgx.ConnConfig, error) {
	cfg := c.cfg
	if cfg.unknown {
		return nil, errors.New("the provider configuration is not known yet")
	}
	switch {
	case cfg.awsRdsIamAuth:
		return nil, errors.New("awsRdsIamAuth is not supported by this build of the postgresql provider")
	case cfg.azureAuth:
		return nil, errors.New("azureIdentityAuth is not supported by this build of the postgresql provider")
	case cfg.scheme != "postgres":
		return nil, fmt.Errorf("scheme %q is not supported by this build of the postgresql provider", cfg.scheme)
	}
	// lib/pq, which upstream uses, treats an empty sslmode as "require" and knows only four modes.
	mode := cfg.sslmode
	if mode == "" {
		mode = "require"
	}
	switch mode {
	case "disable", "require", "verify-ca", "verify-full", "prefer", "allow":
	default:
		return nil, fmt.Errorf(`unsupported sslmode %q; only "require" (default), "verify-full", "verify-ca", and "disable" supported`, mode)
	}
	kv := map[string]string{
		"host":     cfg.host,
		"port":     strconv.Itoa(cfg.port),
		"user":     cfg.username,
		"password": cfg.password,
		"dbname":   database,
		"sslmode":  mode,
		// libpq's fallback_application_name, which pgx does not know: PGAPPNAME wins.
		"application_name": envOr("PGAPPNAME", "Terraform provider"),
	}
	if cfg.connectTimeout > 0 {
		kv["connect_timeout"] = strconv.Itoa(cfg.connectTimeout)
	}
	rootcert, cert, key := cfg.sslrootcert, cfg.certPath, cfg.keyPath
	if cfg.sslinline {
		var err error
		if rootcert != "" {
			if rootcert, err = c.inlineFile("root.crt", rootcert); err != nil {
				return nil, err
			}
		}
		if cert != "" {
			if cert, err = c.inlineFile("client.crt", cert); err != nil {
				return nil, err
			}
		}
		if key != "" {
			if key, err = c.inlineFile("client.key", key); err != nil {
				return nil, err
			}
		}
	}
	if rootcert != "" {
		kv["sslrootcert"] = rootcert
	}
	if cert != "" {
		kv["sslcert"] = cert
		kv["sslkey"] = key
	}
	parts := make([]string, 0, len(kv))
	for k, v := range kv {
		parts = append(parts, k+"="+quoteDSN(v))
	}
	pc, err := pgx.ParseConfig(strings.Join(parts, " "))
	if err != nil {
		return nil, c.scrub(err)
	}
	// Utility statements (CREATE ROLE ... PASSWORD) take no parameters; the simple protocol
	// also keeps each statement a single round trip, as lib/pq does.
	pc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return pc, nil
}

func (c *client) scrub(err error) error {
	msg := err.Error()
	if c.cfg.password != "" {
		msg = strings.ReplaceAll(msg, c.cfg.password, "XXXX")
	}
	return fmt.Errorf("error connecting to PostgreSQL server %s (scheme: %s): %s", c.cfg.host, c.cfg.scheme, msg)
}

// connect opens a connection to database ("" = the provider's); the caller must release it.
func (c *client) connect(ctx context.Context, database string) (*pgx.Conn, func(), error) {
	if database == "" {
		database = c.cfg.database
	}
	pc, err := c.connConfig(database)
	if err != nil {
		return nil, nil, err
	}
	if c.sem != nil {
		select {
		case c.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	release := func() {
		if c.sem != nil {
			<-c.sem
		}
	}
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		release()
		return nil, nil, c.scrub(err)
	}
	c.once.Do(func() { c.version, c.verErr = c.detectVersion(conn) })
	if c.verErr != nil {
		_ = conn.Close(context.Background())
		release()
		return nil, nil, c.verErr
	}
	return conn, func() { _ = conn.Close(context.Background()); release() }, nil
}

func (c *client) detectVersion(conn *pgx.Conn) (serverVersion, error) {
	if ev := c.cfg.expectedVersion; ev != "" && ev != "9.0.0" {
		return parseVersion(ev)
	}
	v, err := parseVersion(conn.PgConn().ParameterStatus("server_version"))
	if err != nil {
		return v, fmt.Errorf("error detecting capabilities: %w", err)
	}
	return v, nil
}

// withConn runs fn on a fresh connection to database.
func (c *client) withConn(ctx context.Context, database string, fn func(conn *pgx.Conn) error) error {
	conn, release, err := c.connect(ctx, database)
	if err != nil {
		return err
	}
	defer release()
	return fn(conn)
}

// inTx runs fn in a transaction on a fresh connection to database, committing if it succeeds.
func (c *client) inTx(ctx context.Context, database string, fn func(tx pgx.Tx) error) error {
	return c.withConn(ctx, database, func(conn *pgx.Conn) error {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("could not start transaction: %w", err)
		}
		defer func() { _ = tx.Rollback(context.Background()) }()
		if err := fn(tx); err != nil {
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("could not commit transaction: %w", err)
		}
		return nil
	})
}

// querier is what both a connection and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

// literal quotes a string constant whatever standard_conforming_strings says. (Upstream's
// pqQuoteLiteral doubles backslashes inside a plain '...' literal, which changes a password
// that contains one; an escape string constant (E-prefixed) keeps it as written.)
func literal(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	if strings.Contains(s, `\`) {
		return "E'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `''`) + "'"
	}
	return "'" + strings.ReplaceAll(s, `'`, `''`) + "'"
}

func identList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = ident(n)
	}
	return strings.Join(q, ",")
}

func exists(ctx context.Context, q querier, sql string, args ...any) (bool, error) {
	var one int
	err := q.QueryRow(ctx, "SELECT 1 FROM ("+sql+") AS found LIMIT 1", args...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func dbExists(ctx context.Context, q querier, name string) (bool, error) {
	ok, err := exists(ctx, q, "SELECT datname FROM pg_database WHERE datname=$1", name)
	if err != nil {
		return false, fmt.Errorf("could not check if database exists: %w", err)
	}
	return ok, nil
}

func roleExists(ctx context.Context, q querier, name string) (bool, error) {
	ok, err := exists(ctx, q, "SELECT 1 FROM pg_roles WHERE rolname=$1", name)
	if err != nil {
		return false, fmt.Errorf("could not check if role exists: %w", err)
	}
	return ok, nil
}

func schemaExists(ctx context.Context, q querier, name string) (bool, error) {
	ok, err := exists(ctx, q, "SELECT 1 FROM pg_namespace WHERE nspname=$1", name)
	if err != nil {
		return false, fmt.Errorf("could not check if schema exists: %w", err)
	}
	return ok, nil
}

func currentUser(ctx context.Context, q querier) (string, error) {
	var u string
	if err := q.QueryRow(ctx, "SELECT CURRENT_USER").Scan(&u); err != nil {
		return "", fmt.Errorf("error while looking for the current user: %w", err)
	}
	return u, nil
}

func isSuperuser(ctx context.Context, q querier, role string) (bool, error) {
	var su bool
	if err := q.QueryRow(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = $1", role).Scan(&su); err != nil {
		return false, fmt.Errorf("could not check if role %s is superuser: %w", role, err)
	}
	return su, nil
}

func currentIsSuperuser(ctx context.Context, q querier) (bool, error) {
	var su bool
	if err := q.QueryRow(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = CURRENT_USER").Scan(&su); err != nil {
		return false, fmt.Errorf("could not check if current user is superuser: %w", err)
	}
	return su, nil
}

// isMemberOfRole counts a membership only if it lets member SET ROLE (PostgreSQL 16+ can
// grant membership without it), which is what owning objects on the role's behalf needs.
func isMemberOfRole(ctx context.Context, q querier, role, member string) (bool, error) {
	hasSetOption, err := exists(ctx, q,
		"SELECT 1 FROM information_schema.columns WHERE table_name='pg_auth_members' AND column_name='set_option'")
	if err != nil {
		return false, fmt.Errorf("could not read setOption column: %w", err)
	}
	query := "SELECT 1 FROM pg_auth_members WHERE pg_get_userbyid(roleid) = $1 AND pg_get_userbyid(member) = $2"
	if hasSetOption {
		query += " AND set_option"
	}
	ok, err := exists(ctx, q, query, role, member)
	if err != nil {
		return false, fmt.Errorf("could not read role membership: %w", err)
	}
	return ok, nil
}

// grantRoleMembership grants role to member; false if member already had it.
func grantRoleMembership(ctx context.Context, q querier, role, member string) (bool, error) {
	if role == member {
		return false, nil
	}
	is, err := isMemberOfRole(ctx, q, role, member)
	if err != nil || is {
		return false, err
	}
	if _, err := q.Exec(ctx, fmt.Sprintf("GRANT %s TO %s", ident(role), ident(member))); err != nil {
		return false, fmt.Errorf("error granting role %s to %s: %w", role, member, err)
	}
	return true, nil
}

func revokeRoleMembership(ctx context.Context, q querier, role, member string) (bool, error) {
	if role == member {
		return false, nil
	}
	is, err := isMemberOfRole(ctx, q, role, member)
	if err != nil || !is {
		return false, err
	}
	if _, err := q.Exec(ctx, fmt.Sprintf("REVOKE %s FROM %s", ident(role), ident(member))); err != nil {
		return false, fmt.Errorf("error revoking role %s from %s: %w", role, member, err)
	}
	return true, nil
}

// withRolesGranted lets a non-superuser admin (a managed server's) act as each of roles for
// the duration of fn, in the same transaction, undoing the memberships afterwards.
func withRolesGranted(ctx context.Context, tx querier, roles []string, fn func() error) error {
	if len(roles) == 0 {
		return fn()
	}
	me, err := currentUser(ctx, tx)
	if err != nil {
		return err
	}
	if su, err := isSuperuser(ctx, tx, me); err != nil {
		return err
	} else if su {
		return fn()
	}
	var granted, revoked []string
	for _, role := range roles {
		if su, err := isSuperuser(ctx, tx, role); err != nil {
			return err
		} else if su {
			continue
		}
		// PostgreSQL refuses a membership loop, so the reverse one is lifted meanwhile.
		r, err := revokeRoleMembership(ctx, tx, me, role)
		if err != nil {
			return err
		}
		if r {
			revoked = append(revoked, role)
		}
		g, err := grantRoleMembership(ctx, tx, role, me)
		if err != nil {
			return err
		}
		if g {
			granted = append(granted, role)
		}
	}
	if err := fn(); err != nil {
		return err
	}
	for _, role := range granted {
		if _, err := revokeRoleMembership(ctx, tx, role, me); err != nil {
			return err
		}
	}
	for _, role := range revoked {
		if ok, err := roleExists(ctx, tx, role); err != nil {
			return err
		} else if !ok {
			continue
		}
		if _, err := grantRoleMembership(ctx, tx, me, role); err != nil {
			return err
		}
	}
	return nil
}

// lockRole serialises work on a role and its members across concurrent operations (and
// concurrent Pulumi or Terraform runs): PostgreSQL fails concurrent catalog updates of one
// row with "tuple concurrently updated". xact picks a transaction-scoped lock; otherwise the
// lock lasts until the connection closes.
func lockRole(ctx context.Context, q querier, role string, xact bool) error {
	fn := "pg_advisory_lock"
	if xact {
		fn = "pg_advisory_xact_lock"
	}
	if _, err := q.Exec(ctx, "SET statement_timeout = 0"); err != nil {
		return fmt.Errorf("could not disable statement_timeout: %w", err)
	}
	if _, err := q.Exec(ctx, "SELECT "+fn+"(oid::bigint) FROM pg_roles WHERE rolname = $1", role); err != nil {
		return fmt.Errorf("could not get advisory lock for role %s: %w", role, err)
	}
	if _, err := q.Exec(ctx,
		"SELECT "+fn+"(member::bigint) FROM pg_auth_members JOIN pg_roles ON roleid = pg_roles.oid WHERE rolname = $1",
		role); err != nil {
		return fmt.Errorf("could not get advisory lock for members of role %s: %w", role, err)
	}
	return nil
}

func lockDatabase(ctx context.Context, q querier, database string) error {
	if _, err := q.Exec(ctx, "SET statement_timeout = 0"); err != nil {
		return fmt.Errorf("could not disable statement_timeout: %w", err)
	}
	if _, err := q.Exec(ctx, "SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_database WHERE datname = $1", database); err != nil {
		return fmt.Errorf("could not get advisory lock for database %s: %w", database, err)
	}
	return nil
}

func databaseOwner(ctx context.Context, q querier, database string) (string, error) {
	var owner string
	var err error
	if database == "" {
		err = q.QueryRow(ctx, "SELECT rolname FROM pg_database JOIN pg_roles ON datdba = pg_roles.oid WHERE datname = current_database()").Scan(&owner)
	} else {
		err = q.QueryRow(ctx, "SELECT rolname FROM pg_database JOIN pg_roles ON datdba = pg_roles.oid WHERE datname = $1", database).Scan(&owner)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("could not find database '%s' while looking for owner", database)
	} else if err != nil {
		return "", fmt.Errorf("error while looking for the owner of database '%s': %w", database, err)
	}
	return owner, nil
}

func schemaOwner(ctx context.Context, q querier, schema string) (string, error) {
	var owner string
	err := q.QueryRow(ctx, "SELECT rolname FROM pg_namespace JOIN pg_roles ON nspowner = pg_roles.oid WHERE nspname = $1", schema).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("could not find schema '%s' while looking for owner", schema)
	} else if err != nil {
		return "", fmt.Errorf("error while looking for the owner of schema '%s': %w", schema, err)
	}
	return owner, nil
}

func queryStrings(ctx context.Context, q querier, sql string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
