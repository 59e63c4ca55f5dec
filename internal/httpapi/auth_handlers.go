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

// signupAccepted is the one answer to every well-formed sign-up request
// while SIGNUP_VERIFICATION=required, whether or not the address has an
// account.
const signupAccepted = "Check your inbox: we sent a message to that address. Follow it to finish signing up."

// sessionResponse is a user with a fresh access token: the answer of
// verify-email, and of register with SIGNUP_VERIFICATION=off.
type sessionResponse struct {
	User userView `json:"user"`
	tokenResponse
}

func newSessionResponse(u auth.User, tok auth.AccessToken) sessionResponse {
	return sessionResponse{User: newUserView(u), tokenResponse: newTokenResponse(tok)}
}

// handleRegister is sign-up. With SIGNUP_VERIFICATION=required (the
// default) it records a request and answers 202 with the same body for
// every address, after the same work; the account exists only once the
// mailed link is verified. With off it creates the account at once: 201
// with the user and an access token, or 409 when the address is taken.
// Invalid input is 400 either way.
func (s *Server) handleRegister(c *gin.Context, req registerRequest) (answer, error) {
	reg := auth.Registration{Email: req.Email, Password: req.Password, Name: req.Name, Locale: req.Locale,
		AcceptLanguage: c.GetHeader("Accept-Language")}
	if s.cfg.SignupVerificationRequired() {
		if err := s.signups.Request(c.Request.Context(), reg); err != nil {
			return answer{}, err
		}
		return answer{status: http.StatusAccepted, body: messageResponse{Message: signupAccepted}}, nil
	}
	u, err := s.auth.Register(c.Request.Context(), reg)
	if err != nil {
		return answer{}, err
	}
	return s.newSession(u)
}

// newSession signs in an account just created, by sign-up with
// verification off or by verify-email: 201 with the user and an access
// token.
func (s *Server) newSession(u auth.User) (answer, error) {
	tok, err := s.auth.NewAccessToken(u)
	if err != nil {
		return answer{}, err
	}
	return answer{status: http.StatusCreated, body: newSessionResponse(u, tok)}, nil
}

type verifyEmailRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// handleVerifyEmail creates the account a sign-up link stands for, when
// the request carries the password chosen at sign-up, and signs it in: 201
// with the user and an access token, like login; 400 validation_failed for
// a missing or different password (the link stays usable); 400
// invalid_token for an unknown, expired or used link, or one whose address
// another sign-up verified first.
func (s *Server) handleVerifyEmail(c *gin.Context, req verifyEmailRequest) (answer, error) {
	u, err := s.signups.VerifyEmail(c.Request.Context(), req.Token, req.Password)
	if err != nil {
		return answer{}, err
	}
	return s.newSession(u)
}

// handleCheckVerifyEmail answers whether a confirmation link still works,
// spending nothing (the page asks before it offers the button).
func (s *Server) handleCheckVerifyEmail(c *gin.Context, req verifyTokenRequest) (answer, error) {
	expiresAt, err := s.signups.Check(c.Request.Context(), req.Token)
	return tokenState(expiresAt, err)
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
func (s *Server) handleLogin(c *gin.Context, req loginRequest) (answer, error) {
	key := loginDelayKey(req.Email)
	if s.loginDelay != nil && key != "" && req.Password != "" {
		if ok, wait := s.loginDelay.begin(key); !ok {
			return answer{}, rateLimited(c, wait, "Too many failed logins for this address.")
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
		return answer{}, err
	}
	return answer{status: http.StatusOK, body: newTokenResponse(tok)}, nil
}

func newTokenResponse(tok auth.AccessToken) tokenResponse {
	return tokenResponse{
		AccessToken: tok.Token,
		TokenType:   "bearer",
		ExpiresIn:   int64(tok.ExpiresIn / time.Second),
	}
}

// handleMe returns the authenticated user.
func (s *Server) handleMe(c *gin.Context) {
	u := currentUser(c)
	c.JSON(http.StatusOK, meResponse{User: meView{userView: newUserView(u), Locale: u.Locale}})
}

// meView is the signed-in user as /api/auth/me shows it: the user, and the
// language preference stored at sign-up ("" for none), which the web app
// falls back to when the browser's languages are not ones it has.
type meView struct {
	userView
	Locale string `json:"locale"`
}

type meResponse struct {
	User meView `json:"user"`
}
