package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// postgresql_database: template, encoding and the two locales are ForceNew; the server
// decides whatever the program leaves out of owner, template, encoding, locales, tablespace
// and isTemplate (Optional+Computed).
var databaseSpec = &resourceSpec{
	token: "postgresql:index/database:Database",
	props: []prop{
		{name: "name", kind: kString, required: true, autoname: true},
		{name: "owner", kind: kString, computed: true},
		{name: "template", kind: kString, computed: true, forceNew: true},
		{name: "encoding", kind: kString, computed: true, forceNew: true},
		{name: "lcCollate", kind: kString, computed: true, forceNew: true},
		{name: "lcCtype", kind: kString, computed: true, forceNew: true},
		{name: "tablespaceName", kind: kString, computed: true},
		{name: "connectionLimit", kind: kInt, def: -1.0, min: atLeast(-1)},
		{name: "allowConnections", kind: kBool, def: true},
		{name: "isTemplate", kind: kBool, computed: true},
		{name: "alterObjectOwnership", kind: kBool, def: false},
	},
}

type databaseResource struct{}

func (databaseResource) spec() *resourceSpec { return databaseSpec }

// actAsOwner lets a non-superuser admin (a managed server's CREATEROLE+CREATEDB user) give a
// database to owner: PostgreSQL requires membership in the new owner. The session lock on the
// admin role keeps concurrent operations from granting and revoking the same membership.
func actAsOwner(ctx context.Context, c *client, conn *pgx.Conn, owner string) (func(), error) {
	me := c.cfg.currentUser()
	if err := lockRole(ctx, conn, me, false); err != nil {
		return nil, err
	}
	su, err := currentIsSuperuser(ctx, conn)
	if err != nil || su {
		return func() {}, err
	}
	granted, err := grantRoleMembership(ctx, conn, owner, me)
	if err != nil {
		return nil, err
	}
	return func() {
		if granted {
			_, _ = revokeRoleMembership(context.Background(), conn, owner, me)
		}
	}, nil
}

func (r databaseResource) create(ctx context.Context, c *client, plan props) (string, props, error) {
	name := plan.str("name")
	err := c.withConn(ctx, "", func(conn *pgx.Conn) error {
		owner := plan.str("owner")
		if owner != "" {
			undo, err := actAsOwner(ctx, c, conn, owner)
			if err != nil {
				return err
			}
			defer undo()
		} else {
			owner = c.cfg.currentUser()
		}
		var b strings.Builder
		b.WriteString("CREATE DATABASE " + ident(name) + " OWNER " + ident(owner))
		// Upstream's order and spellings; "DEFAULT" lets the server pick.
		clause := func(key, kw string, fallback string, quote func(string) string) {
			v := plan.str(key)
			switch {
			case v != "" && strings.ToUpper(v) == "DEFAULT":
				b.WriteString(" " + kw + " DEFAULT")
			case v != "":
				b.WriteString(" " + kw + " " + quote(v))
			case fallback != "":
				b.WriteString(" " + kw + " " + fallback)
			}
		}
		clause("template", "TEMPLATE", "template0", ident)
		clause("encoding", "ENCODING", "'UTF8'", literal)
		clause("lcCollate", "LC_COLLATE", "", literal)
		clause("lcCtype", "LC_CTYPE", "", literal)
		clause("tablespaceName", "TABLESPACE", "", ident)
		if c.version.atLeast(9, 5) {
			fmt.Fprintf(&b, " ALLOW_CONNECTIONS %t", plan.boolean("allowConnections"))
		}
		fmt.Fprintf(&b, " CONNECTION LIMIT %d", plan.integer("connectionLimit"))
		if c.version.atLeast(9, 5) {
			fmt.Fprintf(&b, " IS_TEMPLATE %t", plan.boolean("isTemplate"))
		}
		if _, err := conn.Exec(ctx, b.String()); err != nil {
			return fmt.Errorf("error creating database %q: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	out, found, err := r.read(ctx, c, name, plan)
	if err != nil {
		return name, nil, err
	}
	if !found {
		return name, nil, fmt.Errorf("database %s vanished right after its creation", name)
	}
	return name, out, nil
}

func (databaseResource) read(ctx context.Context, c *client, id string, prior props) (props, bool, error) {
	var out props
	err := c.withConn(ctx, "", func(conn *pgx.Conn) error {
		var name, owner, encoding, collate, ctype, tablespace string
		var connLimit int32
		var allowConn, isTemplate bool
		err := conn.QueryRow(ctx, `SELECT d.datname, pg_catalog.pg_get_userbyid(d.datdba)::text,
				pg_catalog.pg_encoding_to_char(d.encoding)::text, d.datcollate::text, d.datctype::text,
				ts.spcname::text, d.datconnlimit, d.datallowconn, d.datistemplate
			FROM pg_catalog.pg_database AS d JOIN pg_catalog.pg_tablespace AS ts ON d.dattablespace = ts.oid
			WHERE d.datname = $1`, id).Scan(&name, &owner, &encoding, &collate, &ctype, &tablespace, &connLimit, &allowConn, &isTemplate)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("error reading database: %w", err)
		}
		// The server does not record the template; upstream reports the one it was given.
		template := prior.str("template")
		if template == "" {
			template = "template0"
		}
		out = props{
			"name":            name,
			"owner":           owner,
			"encoding":        encoding,
			"lcCollate":       collate,
			"lcCtype":         ctype,
			"tablespaceName":  tablespace,
			"connectionLimit": float64(connLimit),
			"template":        template,
		}
		if c.version.atLeast(9, 5) {
			out["allowConnections"] = allowConn
			out["isTemplate"] = isTemplate
		}
		return nil
	})
	if err != nil || out == nil {
		return nil, false, err
	}
	return out, true, nil
}

func (r databaseResource) update(ctx context.Context, c *client, id string, old, plan props) (string, props, error) {
	changed := func(k string) bool { return hasChange(databaseSpec, old, plan, k) }
	name := plan.str("name")
	err := c.withConn(ctx, "", func(conn *pgx.Conn) error {
		if changed("name") {
			if name == "" {
				return errors.New("error setting database name to an empty string")
			}
			if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", ident(old.str("name")), ident(name))); err != nil {
				return fmt.Errorf("error updating database name: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return id, nil, err
	}
	owner := plan.str("owner")
	if (changed("owner") || changed("alterObjectOwnership")) && owner != "" && plan.boolean("alterObjectOwnership") {
		if err := reassignDatabaseObjects(ctx, c, name, owner); err != nil {
			return id, nil, err
		}
	}
	err = c.withConn(ctx, "", func(conn *pgx.Conn) error {
		if changed("owner") && owner != "" {
			undo, err := actAsOwner(ctx, c, conn, owner)
			if err != nil {
				return err
			}
			defer undo()
			if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s OWNER TO %s", ident(name), ident(owner))); err != nil {
				return fmt.Errorf("error updating database OWNER: %w", err)
			}
		}
		if changed("tablespaceName") {
			ts := plan.str("tablespaceName")
			sql := fmt.Sprintf("ALTER DATABASE %s SET TABLESPACE %s", ident(name), ident(ts))
			if ts == "" || strings.ToUpper(ts) == "DEFAULT" {
				sql = fmt.Sprintf("ALTER DATABASE %s RESET TABLESPACE", ident(name))
			}
			if _, err := conn.Exec(ctx, sql); err != nil {
				return fmt.Errorf("error updating database TABLESPACE: %w", err)
			}
		}
		if changed("connectionLimit") {
			if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s CONNECTION LIMIT = %d", ident(name), plan.integer("connectionLimit"))); err != nil {
				return fmt.Errorf("error updating database CONNECTION LIMIT: %w", err)
			}
		}
		if changed("allowConnections") {
			if !c.version.atLeast(9, 5) {
				return errors.New("PostgreSQL client is talking with a server that does not support database ALLOW_CONNECTIONS")
			}
			if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS %t", ident(name), plan.boolean("allowConnections"))); err != nil {
				return fmt.Errorf("error updating database ALLOW_CONNECTIONS: %w", err)
			}
		}
		if changed("isTemplate") {
			if err := setIsTemplate(ctx, c, conn, name, plan.boolean("isTemplate")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return name, nil, err
	}
	out, found, err := r.read(ctx, c, name, plan)
	if err != nil {
		return name, nil, err
	}
	if !found {
		return name, nil, fmt.Errorf("database %s vanished during its update", name)
	}
	return name, out, nil
}

// reassignDatabaseObjects is alterObjectOwnership: REASSIGN OWNED runs in the database itself,
// so its objects follow the database to its new owner.
func reassignDatabaseObjects(ctx context.Context, c *client, database, newOwner string) error {
	return c.inTx(ctx, database, func(tx pgx.Tx) error {
		me := c.cfg.currentUser()
		if err := lockRole(ctx, tx, me, true); err != nil {
			return err
		}
		current, err := databaseOwner(ctx, tx, database)
		if err != nil {
			return fmt.Errorf("error getting current database OWNER: %w", err)
		}
		if current == newOwner {
			return nil
		}
		return withRolesGranted(ctx, tx, []string{current}, func() error {
			if _, err := tx.Exec(ctx, fmt.Sprintf("REASSIGN OWNED BY %s TO %s", ident(current), ident(newOwner))); err != nil {
				return fmt.Errorf("error reassigning objects owned by '%s': %w", current, err)
			}
			return nil
		})
	})
}

func setIsTemplate(ctx context.Context, c *client, q querier, name string, isTemplate bool) error {
	if !c.version.atLeast(9, 5) {
		return errors.New("PostgreSQL client is talking with a server that does not support database IS_TEMPLATE")
	}
	if _, err := q.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s IS_TEMPLATE %t", ident(name), isTemplate)); err != nil {
		return fmt.Errorf("error updating database IS_TEMPLATE: %w", err)
	}
	return nil
}

func (databaseResource) delete(ctx context.Context, c *client, id string, state props) error {
	name := state.str("name")
	if name == "" {
		name = id
	}
	return c.withConn(ctx, "", func(conn *pgx.Conn) error {
		if owner := state.str("owner"); owner != "" {
			undo, err := actAsOwner(ctx, c, conn, owner)
			if err != nil {
				return err
			}
			defer undo()
		}
		if state.boolean("isTemplate") {
			// A template database cannot be dropped.
			if err := setIsTemplate(ctx, c, conn, name, false); err != nil {
				return fmt.Errorf("error updating database IS_TEMPLATE during DROP DATABASE: %w", err)
			}
		}
		if c.version.atLeast(9, 5) {
			if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS false", ident(name))); err != nil {
				return fmt.Errorf("error blocking connections to database: %w", err)
			}
		}
		pid := "procpid"
		if c.version.atLeast(9, 2) {
			pid = "pid"
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf(
			"SELECT pg_terminate_backend(%[1]s) FROM pg_stat_activity WHERE datname = $1 AND %[1]s <> pg_backend_pid()", pid), name); err != nil {
			return fmt.Errorf("error terminating database connections: %w", err)
		}
		force := ""
		if c.version.atLeast(13, 0) {
			force = " WITH ( FORCE )"
		}
		if _, err := conn.Exec(ctx, "DROP DATABASE "+ident(name)+force); err != nil {
			return fmt.Errorf("error dropping database: %w", err)
		}
		return nil
	})
}

func (databaseResource) importState(id string) (props, error) { return props{"name": id}, nil }
