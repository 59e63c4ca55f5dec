package httpapi

import (
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mailevent"
	"github.com/todoapp/resetmail/internal/metrics"
	"github.com/todoapp/resetmail/internal/webhook"
)

// webhooks are the delivery-event receivers. A receiver whose secret is
// not configured is nil and its route answers 404, as if it were not
// there.
type webhooks struct {
	resend   *webhook.Resend
	postmark *webhook.Postmark
	ses      *webhook.SNS
	store    *mailevent.Store
	metrics  *metrics.MailEvents
}

// newWebhooks builds the receivers cfg configures. config.LoadAPI has
// checked the secrets, so building them fails only on a configuration
// that did not come from it; such a receiver stays off and says why.
func newWebhooks(cfg *config.API, d Deps) *webhooks {
	w := &webhooks{store: mailevent.NewStore(d.Pool), metrics: d.MailEvents}
	var err error
	if cfg.ResendWebhookSecret != "" {
		if w.resend, err = webhook.NewResend(cfg.ResendWebhookSecret, nil); err != nil {
			d.Logger.Error("Resend webhook receiver off", slog.Any("err", err))
		}
	}
	if cfg.PostmarkWebhookUsername != "" {
		w.postmark = webhook.NewPostmark(cfg.PostmarkWebhookUsername, cfg.PostmarkWebhookPassword, nil)
	}
	if cfg.SESSNSTopicARN != "" {
		sns := cfg.SNS
		sns.TopicARN = cfg.SESSNSTopicARN
		if w.ses, err = webhook.NewSNS(sns); err != nil {
			d.Logger.Error("SES webhook receiver off", slog.Any("err", err))
		}
	}
	return w
}

// webhookBody reads the body, at most webhook.MaxBody bytes. It answers
// the request itself and returns false when it cannot be read.
func (s *Server) webhookBody(c *gin.Context) ([]byte, bool) {
	if c.Request.ContentLength > webhook.MaxBody {
		s.writeError(c, tooLargeError(webhook.MaxBody))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, webhook.MaxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		s.writeError(c, tooLargeError(tooLarge.Limit))
		return nil, false
	case err != nil:
		s.writeError(c, apperr.New(apperr.CodeInvalidRequest, "The request body could not be read."))
		return nil, false
	}
	return body, true
}

// eventReader is a receiver that authenticates a request and reads its
// events in one call: Resend's and Postmark's.
type eventReader interface {
	Read(h http.Header, body []byte) ([]mailevent.Event, error)
}

// handleResendWebhook receives Resend's events (POST /api/webhooks/resend).
func (s *Server) handleResendWebhook(c *gin.Context) {
	if s.hooks.resend == nil {
		s.handleNotFound(c)
		return
	}
	s.receiveEvents(c, mail.ProviderResend, s.hooks.resend, "")
}

// handlePostmarkWebhook receives Postmark's records (POST
// /api/webhooks/postmark). Postmark authenticates with basic auth, so its
// 401 carries the challenge.
func (s *Server) handlePostmarkWebhook(c *gin.Context) {
	if s.hooks.postmark == nil {
		s.handleNotFound(c)
		return
	}
	s.receiveEvents(c, mail.ProviderPostmark, s.hooks.postmark, `Basic realm="webhooks", charset="UTF-8"`)
}

// receiveEvents reads the body, has r read its events and stores them.
// challenge, when set, is the WWW-Authenticate of a 401.
func (s *Server) receiveEvents(c *gin.Context, provider string, r eventReader, challenge string) {
	body, ok := s.webhookBody(c)
	if !ok {
		return
	}
	events, err := r.Read(c.Request.Header, body)
	if challenge != "" && errors.Is(err, webhook.ErrUnauthorized) {
		c.Header("WWW-Authenticate", challenge)
	}
	s.storeEvents(c, provider, events, err)
}

// handleSESWebhook receives SES events through SNS (POST
// /api/webhooks/ses): it confirms our topic's subscription, and stores the
// events of its notifications.
func (s *Server) handleSESWebhook(c *gin.Context) {
	if s.hooks.ses == nil {
		s.handleNotFound(c)
		return
	}
	body, ok := s.webhookBody(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	m, err := s.hooks.ses.Verify(ctx, body)
	if err != nil {
		s.storeEvents(c, mail.ProviderSES, nil, err)
		return
	}
	switch m.Type {
	case "SubscriptionConfirmation":
		if err := s.hooks.ses.Confirm(ctx, m); err != nil {
			// Not the sender's fault; SNS may send the confirmation again,
			// and an operator can confirm by hand meanwhile.
			s.logger.WarnContext(ctx, "SNS subscription not confirmed", slog.String("request_id", requestIDFrom(c)), slog.Any("err", err))
			s.writeError(c, apperr.New(apperr.CodeUnavailable, "The subscription could not be confirmed. Try again shortly."))
			return
		}
		s.logger.InfoContext(ctx, "SNS subscription confirmed", slog.String("topic", m.TopicARN))
		c.JSON(http.StatusOK, gin.H{"status": "subscription confirmed"})
	case "UnsubscribeConfirmation":
		s.logger.WarnContext(ctx, "SNS subscription removed: SES events stop until it is subscribed again", slog.String("topic", m.TopicARN))
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	default:
		events, err := webhook.SESEvents(m)
		s.storeEvents(c, mail.ProviderSES, events, err)
	}
}

// storeEvents answers a receiver's request: 401 (403 for a foreign SNS
// topic) when it was not authenticated, 400 when its body was malformed,
// and otherwise stores events, which may be none, and answers 200.
func (s *Server) storeEvents(c *gin.Context, provider string, events []mailevent.Event, err error) {
	ctx := c.Request.Context()
	switch {
	case errors.Is(err, webhook.ErrUnauthorized):
		// The reason is for on-call, not for whoever sent it.
		s.logger.WarnContext(ctx, "webhook refused", slog.String("provider", provider), slog.String("request_id", requestIDFrom(c)), slog.String("reason", err.Error()))
		s.writeError(c, apperr.New(apperr.CodeUnauthorized, "The webhook's signature or credentials are not valid."))
		return
	case errors.Is(err, webhook.ErrForbidden):
		s.logger.WarnContext(ctx, "webhook refused: unexpected SNS topic", slog.String("request_id", requestIDFrom(c)))
		s.writeError(c, apperr.New(apperr.CodeForbidden, "This topic is not the one configured."))
		return
	case errors.Is(err, webhook.ErrMalformed):
		s.writeError(c, apperr.New(apperr.CodeInvalidRequest, "The webhook body is not valid: "+err.Error()))
		return
	case err != nil:
		s.writeError(c, err)
		return
	}
	rec, err := s.hooks.store.Record(ctx, events)
	if err != nil {
		// 5xx: the provider retries, and the retry is deduplicated.
		s.writeError(c, err)
		return
	}
	for _, e := range rec.New {
		s.hooks.metrics.Event(e.Provider, e.Type)
	}
	if rec.Suppressed > 0 {
		s.logger.InfoContext(ctx, "addresses suppressed", slog.String("provider", provider), slog.Int("count", rec.Suppressed))
	}
	c.JSON(http.StatusOK, gin.H{"received": len(events), "new": len(rec.New)})
}
