package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/templates"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
	"github.com/todoapp/resetmail/internal/reset"
)

// inlineBaseline is the design this project rejects, built only for figure
// 6: a forgot-password handler that sends the mail inside the request, the
// way Supabase Auth's /recover does, and answers only after the SMTP
// server's 250. It is the kindest version of that design: it commits the
// request row first, so the slow send holds no database connection, and it
// skips the account lookup. Each mail uses its own SMTP connection, as
// Supabase's mailer does.
type inlineBaseline struct {
	pool     *pgxpool.Pool
	renderer *templates.Renderer
	from     mail.From
	smtpAddr string
	ttl      time.Duration
}

func (b *inlineBaseline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Email string `json:"email"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&body); err != nil || body.Email == "" {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	if err := b.handle(r.Context(), body.Email); err != nil {
		http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"message":"If an account exists for that address, a reset link is on its way."}`))
}

func (b *inlineBaseline) handle(ctx context.Context, email string) error {
	id, err := uuid.NewRandom()
	if err != nil {
		return err
	}
	err = dbsqlc.New().ResetInsertRequest(ctx, b.pool, dbsqlc.ResetInsertRequestParams{ID: id, Email: email, TtlSecs: b.ttl.Seconds()})
	if err != nil {
		return err
	}
	token := reset.DeriveToken([]byte(benchResetKey), id)
	rendered, err := b.renderer.Reset(templates.ResetData{
		AppName:   "Todo",
		Link:      benchFrontend + "/reset-password?token=" + token,
		ExpiresAt: time.Now().Add(b.ttl),
	})
	if err != nil {
		return err
	}
	msg, err := mail.Compose(mail.NewMessage(b.from, email, rendered))
	if err != nil {
		return err
	}
	return smtp.SendMail(b.smtpAddr, nil, "no-reply@example.com", []string{email}, msg)
}

// startInlineBaseline serves the baseline on a free loopback port.
func startInlineBaseline(s *scenario, pool *pgxpool.Pool) (string, func(), error) {
	renderer, err := templates.NewRenderer(templates.RendererConfig{})
	if err != nil {
		return "", nil, err
	}
	from, err := mail.NewFrom(benchFrom)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{
		Handler: &inlineBaseline{
			pool: pool, renderer: renderer, from: from,
			smtpAddr: net.JoinHostPort(s.sink.Host(), strconv.Itoa(s.sink.Port())),
			ttl:      s.h.apiDefaults.ResetTokenTTL,
		},
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return fmt.Sprintf("http://%s/api/auth/forgot-password", ln.Addr()), stop, nil
}
