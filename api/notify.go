package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"matchmaker/notify"
	"matchmaker/profiles"
)

// This file is the door to the outbox: the messages and their delivery log
// for the secretariat, and the webhook subscriptions of integrations. Each
// handler is one call of the outbox the workflows write to.

func (s *Server) outbox() *notify.Outbox { return s.flows.Outbox() }

// webhookOwner is the key whose subscriptions the request reaches: an
// integration key its own, the staff every one ("").
func webhookOwner(c echo.Context) string {
	if k := keyOf(c); k != nil && k.Role == profiles.RoleIntegration {
		return k.ID
	}
	return ""
}

func (s *Server) createWebhook(c echo.Context) error {
	var in notify.WebhookInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	by := ""
	if k := keyOf(c); k != nil {
		by = k.ID
	}
	w, err := s.outbox().CreateWebhook(c.Request().Context(), in, by)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/webhooks/"+w.ID)
	return c.JSON(http.StatusCreated, w)
}

func (s *Server) listWebhooks(c echo.Context) error {
	q := newQuery(c, "limit", "cursor")
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.outbox().Webhooks(c.Request().Context(), webhookOwner(c), page)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(res))
}

func (s *Server) getWebhook(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	w, err := s.outbox().WebhookByID(c.Request().Context(), c.Param("id"), webhookOwner(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

func (s *Server) deleteWebhook(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	w, err := s.outbox().DeleteWebhook(c.Request().Context(), c.Param("id"), webhookOwner(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

func (s *Server) pingWebhook(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	m, err := s.outbox().PingWebhook(c.Request().Context(), c.Param("id"), webhookOwner(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/webhooks/"+c.Param("id")+"/deliveries")
	return c.JSON(http.StatusAccepted, m)
}

// delivery is a message with its delivery log.
type delivery struct {
	notify.Message
	Log []notify.Attempt `json:"log"`
}

// withLog adds each message's delivery log.
func (s *Server) withLog(c echo.Context, res profiles.ListResult[notify.Message]) (profiles.ListResult[delivery], error) {
	ids := make([]string, len(res.Items))
	for i, m := range res.Items {
		ids[i] = m.ID
	}
	logs, err := s.outbox().Attempts(c.Request().Context(), ids...)
	if err != nil {
		return profiles.ListResult[delivery]{}, err
	}
	out := profiles.ListResult[delivery]{Total: res.Total, Next: res.Next, Items: make([]delivery, len(res.Items))}
	for i, m := range res.Items {
		out.Items[i] = delivery{Message: m, Log: orEmpty(logs[m.ID])}
	}
	return out, nil
}

func (s *Server) webhookDeliveries(c echo.Context) error {
	q := newQuery(c, "state", "limit", "cursor")
	f := notify.MessageFilter{State: q.enum("state", notify.States), Webhook: c.Param("id"), Page: q.page()}
	if err := q.err(); err != nil {
		return err
	}
	if _, err := s.outbox().WebhookByID(c.Request().Context(), c.Param("id"), webhookOwner(c)); err != nil {
		return err
	}
	res, err := s.outbox().Messages(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out, err := s.withLog(c, res)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(out))
}

func (s *Server) listMessages(c echo.Context) error {
	q := newQuery(c, "state", "recipient", "kind", "limit", "cursor")
	f := notify.MessageFilter{State: q.enum("state", notify.States), Recipient: q.str("recipient"), Kind: q.str("kind"), Page: q.page()}
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.outbox().Messages(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out, err := s.withLog(c, res)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(out))
}

func (s *Server) retryMessage(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	m, err := s.outbox().Retry(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}
