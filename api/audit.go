package api

import (
	"encoding/json"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
)

// auditActor names the caller in the request's pending audit entry once the key
// is known: it runs after authenticate.
func (s *Server) auditActor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if k := keyOf(c); k != nil {
			if p := profiles.AuditOf(c.Request().Context()); p != nil {
				p.SetActor(k.ID, k.Role, k.Name)
			}
		}
		return next(c)
	}
}

// resourceOfPath names what a write is about from its route alone: the
// collection and the row of the path, and whether the route sits under a row
// (POST /v1/challenges/{id}/panels), whose creation names the row it creates.
func resourceOfPath(c echo.Context) (resource, id string, nested bool) {
	parts := strings.Split(strings.Trim(c.Path(), "/"), "/")
	if len(parts) < 2 {
		return c.Path(), "", false
	}
	resource = parts[1]
	if len(parts) > 2 && strings.HasPrefix(parts[2], ":") {
		id = c.Param(strings.TrimPrefix(parts[2], ":"))
	}
	return resource, id, len(parts) > 3
}

// successStatuses gives the status each write route answers on success, from
// the OpenAPI document (each write operation lists one 2xx), keyed by method
// and echo path.
func successStatuses() map[string]int {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	out := map[string]int{}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		return out
	}
	for path, ops := range doc.Paths {
		route := path
		for strings.Contains(route, "{") {
			i, j := strings.Index(route, "{"), strings.Index(route, "}")
			route = route[:i] + ":" + route[i+1:j] + route[j+1:]
		}
		for method, raw := range ops {
			var op struct {
				Responses map[string]json.RawMessage `json:"responses"`
			}
			if json.Unmarshal(raw, &op) != nil {
				continue // "parameters" and other keys of a path item
			}
			for code := range op.Responses {
				if len(code) == 3 && code[0] == '2' {
					n := int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
					key := strings.ToUpper(method) + " " + route
					if cur, ok := out[key]; !ok || n < cur {
						out[key] = n
					}
				}
			}
		}
	}
	return out
}

// successStatus is the status the request's route answers on success.
func (s *Server) successStatus(c echo.Context) int {
	return s.statuses[c.Request().Method+" "+c.Path()]
}
