package dashboard

import (
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/mailevent"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
	"github.com/todoapp/resetmail/internal/redact"
)

// The dashboard's own pages, beside River UI and behind the same Guard.
// River UI lists jobs by state and opens on "Running", which is empty while
// sends fail; on-call needs the failures first, and a way to find one
// user's sends by address, which River UI cannot search (args hold only a
// masked address).
const (
	// Root is the dashboard's landing address; it redirects to SendsPath.
	Root = "/admin/"
	// SendsPath lists the failed and cancelled sends of the last 24 h
	// (GET) and finds one address's sends (POST, form field "email", so
	// that the address stays out of URLs, browser history and proxy logs).
	SendsPath = "/admin/sends"
	// SendPath is one send's page: SendPath + "/{job_id}".
	SendPath = "/admin/sends/"
)

// failedWindow is how far back the landing page looks; maxRows caps a list.
const (
	failedWindow = 24 * time.Hour
	maxRows      = 200
)

//go:embed templates/*.html
var templateFS embed.FS

// SendsConfig configures the sends pages.
type SendsConfig struct {
	// Pool is the database River's jobs live in. Required.
	Pool *pgxpool.Pool
	// Queue is the queue the mail jobs run on. Required.
	Queue string
	// Logger receives one line per failed query. Defaults to discarding.
	Logger *slog.Logger
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

// Sends serves the sends pages.
type Sends struct {
	cfg   SendsConfig
	pages map[string]*template.Template
}

// NewSends validates cfg and parses the templates.
func NewSends(cfg SendsConfig) (*Sends, error) {
	if cfg.Pool == nil || cfg.Queue == "" {
		return nil, errors.New("dashboard: Pool and Queue are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	funcs := template.FuncMap{
		"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"kind": kindLabel,
		"mask": redact.Email,
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"sends.html", "send.html"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return &Sends{cfg: cfg, pages: pages}, nil
}

// NewSite is everything the Guard guards: River UI under Prefix, the sends
// pages, and the landing redirect.
func NewSite(riverUI http.Handler, sends *Sends) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(Prefix+"/", riverUI)
	mux.HandleFunc("GET "+Root+"{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, SendsPath, http.StatusSeeOther)
	})
	mux.HandleFunc("GET "+SendsPath, sends.failed)
	mux.HandleFunc("POST "+SendsPath, sends.search)
	mux.HandleFunc("GET "+SendPath+"{id}", sends.send)
	return mux
}

// sendRow is one send in a list. Both list queries select the same
// columns, so the by-address row converts to the failed-sends row, and the
// page shows either.
type sendRow = dbsqlc.DashboardFailedSendsRow

// sendsPage is what sends.html shows: the failures of the last 24 h, or
// one address's sends.
type sendsPage struct {
	Title    string
	Since    time.Time
	Searched string // the masked address searched for, "" on the landing page
	Problem  string // why a search was not run
	Rows     []sendRow
	Capped   bool
}

func (s *Sends) failed(w http.ResponseWriter, r *http.Request) {
	since := s.cfg.Now().Add(-failedWindow)
	rows, err := dbsqlc.New().DashboardFailedSends(r.Context(), s.cfg.Pool, dbsqlc.DashboardFailedSendsParams{
		Queue: s.cfg.Queue, Since: since, MaxRows: maxRows,
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := sendsPage{Title: "Failed sends, last 24 hours", Since: since, Rows: rows}
	page.Capped = len(page.Rows) == maxRows
	s.render(w, "sends.html", http.StatusOK, page)
}

func (s *Sends) search(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	email := strings.TrimSpace(r.PostFormValue("email"))
	page := sendsPage{Title: "Sends to one address"}
	if email == "" || len(email) > 254 || !strings.Contains(email, "@") {
		page.Problem = "Enter the full address, e.g. ada@example.com."
		s.render(w, "sends.html", http.StatusUnprocessableEntity, page)
		return
	}
	page.Searched = redact.Email(strings.ToLower(email))
	page.Title = "Sends to " + page.Searched
	rows, err := dbsqlc.New().DashboardSendsByEmail(r.Context(), s.cfg.Pool, dbsqlc.DashboardSendsByEmailParams{
		Queue: s.cfg.Queue, Email: email, MaxRows: maxRows,
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, x := range rows {
		page.Rows = append(page.Rows, sendRow(x))
	}
	page.Capped = len(page.Rows) == maxRows
	s.render(w, "sends.html", http.StatusOK, page)
}

// sendPage is what send.html shows: one send and every attempt's error.
// The message's story (requested, queued, sent, delivered or bounced) is
// meant to join it as a section of its own (issue 24).
type sendPage struct {
	Title string
	Send  dbsqlc.DashboardSendRow
	// Attempts are River's recorded errors, oldest first.
	Attempts []attemptError
	// Story is what happened to the message after it was queued: sent
	// (provider, ID), delivered, bounced, complained, and whether the
	// address is suppressed (issue 24). Nil for a job without a request.
	Story *mailevent.Trace
}

type attemptError struct {
	At      time.Time `json:"at"`
	Attempt int       `json:"attempt"`
	Error   string    `json:"error"`
}

func (s *Sends) send(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.render(w, "send.html", http.StatusNotFound, sendPage{Title: "No such send"})
		return
	}
	row, err := dbsqlc.New().DashboardSend(r.Context(), s.cfg.Pool, dbsqlc.DashboardSendParams{ID: id, Queue: s.cfg.Queue})
	if errors.Is(err, pgx.ErrNoRows) {
		s.render(w, "send.html", http.StatusNotFound, sendPage{Title: "No such send"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := sendPage{Title: kindLabel(row.Kind) + " to " + row.EmailMasked, Send: row}
	// River writes these; a row it did not write is shown without them
	// rather than not at all.
	_ = json.Unmarshal([]byte(row.ErrorsJson), &page.Attempts)
	if row.RequestID != "" {
		// The story is extra: a failure to read it leaves the page as it
		// was, and is logged.
		story, err := mailevent.NewStore(s.cfg.Pool).Trace(r.Context(), row.RequestID)
		if err != nil {
			s.cfg.Logger.WarnContext(r.Context(), "dashboard: message story", slog.Any("err", err))
		} else {
			page.Story = story
		}
	}
	s.render(w, "send.html", http.StatusOK, page)
}

func (s *Sends) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Logger.ErrorContext(r.Context(), "dashboard query failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	http.Error(w, "The database did not answer; try again in a moment.", http.StatusServiceUnavailable)
}

func (s *Sends) render(w http.ResponseWriter, name string, status int, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages[name].Execute(w, data); err != nil {
		s.cfg.Logger.Error("dashboard template failed", slog.String("template", name), slog.Any("error", err))
	}
}

// kindLabel names a job kind for people.
func kindLabel(kind string) string {
	switch kind {
	case "password_reset_email":
		return "Password reset"
	case "signup_email":
		return "Sign-up"
	case "password_changed_email":
		return "Password changed"
	}
	return kind
}
