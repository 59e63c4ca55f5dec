package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/todoapp/resetmail/internal/locale"
)

// forgotPasswordAccepted is the one answer to every well-formed
// forgot-password request, whether or not the account exists.
const forgotPasswordAccepted = "If an account exists for that address, a reset link is on its way."

type forgotPasswordRequest struct {
	Email string `json:"email"`
	// Locale is the language of the mail (BCP 47); it beats Accept-Language.
	Locale string `json:"locale"`
}

type messageResponse struct {
	Message string `json:"message"`
}

// handleForgotPassword records the request and enqueues its mail in one
// transaction, then answers 202 with the same body for every address. Only a
// malformed body or address gets a 400. The account is looked up later, by
// the worker, so that this handler costs the same on every path.
func (s *Server) handleForgotPassword(c *gin.Context, req forgotPasswordRequest) (answer, error) {
	lang := locale.Request{Explicit: req.Locale, AcceptLanguage: c.GetHeader("Accept-Language")}
	if _, err := s.resets.RequestReset(c.Request.Context(), req.Email, lang); err != nil {
		return answer{}, err
	}
	return answer{status: http.StatusAccepted, body: messageResponse{Message: forgotPasswordAccepted}}, nil
}

type resetPasswordRequest struct {
	Token       string `json:"token"`
	NewPassword string `json:"new_password"`
}

// handleResetPassword sets a new password with a token: 200 with the
// account's address, or 400 invalid_token for an unknown, expired or used
// token, or 400 validation_failed for a password that breaks the
// registration rules. It does not log the user in; OWASP advises against it.
func (s *Server) handleResetPassword(c *gin.Context, req resetPasswordRequest) (answer, error) {
	// The notice goes out in the language of the page the user is on.
	lang := locale.Request{AcceptLanguage: c.GetHeader("Accept-Language")}
	email, err := s.resets.Reset(c.Request.Context(), req.Token, req.NewPassword, lang)
	if err != nil {
		return answer{}, err
	}
	return answer{status: http.StatusOK, body: resetPasswordResponse{
		Message: "Your password has been changed. Sign in with your new password.",
		Email:   email,
	}}, nil
}

// resetPasswordResponse carries the account's address so that the web app
// can fill in the sign-in form. Only the holder of a valid, unused reset
// token gets it, and that holder has just set the account's password
// (docs/deployment/security.md, 23.12).
type resetPasswordResponse struct {
	Message string `json:"message"`
	Email   string `json:"email"`
}

type verifyTokenRequest struct {
	Token string `json:"token"`
}

type verifyTokenResponse struct {
	Valid     bool      `json:"valid"`
	ExpiresAt time.Time `json:"expires_at"`
}

// handleVerifyResetToken tells the reset page early whether its link still
// works, without consuming it.
func (s *Server) handleVerifyResetToken(c *gin.Context, req verifyTokenRequest) (answer, error) {
	expiresAt, err := s.resets.Verify(c.Request.Context(), req.Token)
	return tokenState(expiresAt, err)
}

// tokenState is the answer of both link checks (reset and sign-up): the
// link works until expiresAt, or err says why it does not.
func tokenState(expiresAt time.Time, err error) (answer, error) {
	if err != nil {
		return answer{}, err
	}
	return answer{status: http.StatusOK, body: verifyTokenResponse{Valid: true, ExpiresAt: expiresAt.UTC()}}, nil
}
