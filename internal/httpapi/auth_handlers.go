package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/auth"
)

// userView is a user as the API shows it.
type userView struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func newUserView(u auth.User) userView {
	return userView{ID: u.ID, Email: u.Email, Name: u.Name, CreatedAt: u.CreatedAt.UTC()}
}

type userResponse struct {
	User userView `json:"user"`
}

type registerRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	// Locale is the language of the account's mail (BCP 47); it beats
	// Accept-Language.
	Locale string `json:"locale"`
}

// handleRegister creates an account: 201 with the user, 400 with field
// errors, or 409 when the address is taken.
func (s *Server) handleRegister(c *gin.Context) {
	var req registerRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	u, err := s.auth.Register(c.Request.Context(), auth.Registration{
		Email: req.Email, Password: req.Password, Name: req.Name,
		Locale: req.Locale, AcceptLanguage: c.GetHeader("Accept-Language"),
	})
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, userResponse{User: newUserView(u)})
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// handleLogin exchanges an email and password for an access token. An
// unknown address and a wrong password get the same 401, and the same
// per-address delay once guessing starts (login_delay.go).
func (s *Server) handleLogin(c *gin.Context) {
	var req loginRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	key := loginDelayKey(req.Email)
	if s.loginDelay != nil && key != "" && req.Password != "" {
		if ok, wait := s.loginDelay.begin(key); !ok {
			s.writeRateLimited(c, wait, "Too many failed logins for this address.")
			return
		}
	}
	tok, err := s.auth.Login(c.Request.Context(), req.Email, req.Password)
	if s.loginDelay != nil && key != "" {
		switch {
		case err == nil:
			s.loginDelay.succeeded(key)
		case apperr.CodeOf(err) == apperr.CodeUnauthorized:
			s.loginDelay.failed(key)
		}
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, tokenResponse{
		AccessToken: tok.Token,
		TokenType:   "bearer",
		ExpiresIn:   int64(tok.ExpiresIn / time.Second),
	})
}

// handleMe returns the authenticated user.
func (s *Server) handleMe(c *gin.Context) {
	c.JSON(http.StatusOK, userResponse{User: newUserView(currentUser(c))})
}
