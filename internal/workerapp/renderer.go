package workerapp

import (
	"errors"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/mail/templates"
)

// NewRenderer loads and checks every template of cfg, as the worker does at
// start. Its problems come back as a *config.Error, so that they exit with
// status 2 together with any other start-up problem.
func NewRenderer(cfg *config.Worker) (*templates.Renderer, error) {
	r, err := templates.NewRenderer(templates.RendererConfig{Dir: cfg.TemplateDir, DefaultLocale: cfg.DefaultLocale})
	if err == nil {
		return r, nil
	}
	var problems config.Error
	var terr *templates.TemplateError
	if errors.As(err, &terr) {
		for _, p := range terr.Problems {
			if p.Var != "" {
				problems.Add(p.Var, p.Text)
			} else {
				problems.Add("TEMPLATE_DIR", "email template "+p.Text)
			}
		}
	} else {
		problems.Add("TEMPLATE_DIR", err.Error())
	}
	return nil, &problems
}
