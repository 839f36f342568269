package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"matchmaker/profiles"
)

// keysCmd manages API keys from the command line.
type keysCmd struct {
	Create keysCreateCmd `cmd:"" help:"Create an API key; its secret is the last line of the output, shown once."`
	List   struct{}      `cmd:"" help:"List the API keys (never their secrets)."`
	Revoke keysRevokeCmd `cmd:"" help:"Revoke an API key."`
}

type keysCreateCmd struct {
	Role   string `name:"role" required:"" enum:"admin,secretariat,city,expert,integration" help:"Role: admin, secretariat, city, expert or integration."`
	City   string `name:"city" help:"The city a city key is bound to."`
	Expert string `name:"expert" help:"The expert profile an expert key is bound to."`
	Scope  string `name:"scope" help:"An integration key's scope: read or read_write."`
	Name   string `name:"name" help:"A name to tell the key apart (default: the role)."`
}

type keysRevokeCmd struct {
	ID string `arg:"" help:"The key's ID (see keys list)."`
}

// keys runs a keys subcommand.
func (e env) keys(ctx context.Context, sub string) error {
	store, _, err := e.prepare(ctx, true)
	if err != nil {
		return err
	}
	defer store.DB().Close()
	c := e.cli.Keys
	switch sub {
	case "create":
		name := c.Create.Name
		if name == "" {
			name = c.Create.Role
		}
		k, secret, err := store.CreateKey(ctx, profiles.KeyInput{Name: name, Role: c.Create.Role, CityID: c.Create.City, ExpertID: c.Create.Expert, Scope: c.Create.Scope})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created %s key %s (%s) for %s; keep the secret below, it is not shown again:\n", k.Role, k.ID, k.Prefix, describeKey(k))
		fmt.Fprintln(e.stdout, secret)
	case "list":
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tPREFIX\tROLE\tFOR\tNAME\tCREATED\tREVOKED")
		page := profiles.Page{Limit: profiles.MaxLimit}
		for {
			res, err := store.FindKeys(ctx, page)
			if err != nil {
				return err
			}
			for _, k := range res.Items {
				revoked := ""
				if k.RevokedAt != nil {
					revoked = k.RevokedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Role, describeKey(k), k.Name, k.CreatedAt.UTC().Format(time.RFC3339), revoked)
			}
			if res.Next == "" {
				break
			}
			page.After = res.Next
		}
		return w.Flush()
	case "revoke":
		k, err := store.RevokeKey(ctx, c.Revoke.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked key %s (%s)\n", k.ID, k.Prefix)
	}
	return nil
}

// describeKey says what a key is bound to.
func describeKey(k profiles.APIKey) string {
	switch {
	case k.CityID != "":
		return "city " + k.CityID
	case k.ExpertID != "":
		return "expert " + k.ExpertID
	case k.Scope != "":
		return "scope " + k.Scope
	}
	return "the whole network"
}

// ensureAdminKey creates (or keeps) the admin key MATCHMAKER_ADMIN_KEY names, for
// automation. The secret is never logged.
func ensureAdminKey(ctx context.Context, store *profiles.Store, secret string) (profiles.APIKey, error) {
	return store.EnsureKey(ctx, strings.TrimSpace(secret), profiles.KeyInput{Name: "admin (MATCHMAKER_ADMIN_KEY)", Role: profiles.RoleAdmin})
}

// demoKeyName names the admin key serve --demo prints.
const demoKeyName = "demo admin"

// revokeKeysNamed revokes the live keys with this name.
func revokeKeysNamed(ctx context.Context, store *profiles.Store, name string) error {
	page := profiles.Page{Limit: profiles.MaxLimit}
	var ids []string
	for {
		res, err := store.FindKeys(ctx, page)
		if err != nil {
			return err
		}
		for _, k := range res.Items {
			if k.Name == name && k.RevokedAt == nil {
				ids = append(ids, k.ID)
			}
		}
		if res.Next == "" {
			break
		}
		page.After = res.Next
	}
	for _, id := range ids {
		if _, err := store.RevokeKey(ctx, id); err != nil {
			return fmt.Errorf("revoke the previous demo key: %w", err)
		}
	}
	return nil
}
