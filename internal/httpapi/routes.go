package httpapi

import (
	"github.com/gin-gonic/gin"

	"github.com/todoapp/resetmail/internal/health"
)

// routes is the whole API surface. docs/openapi.yaml describes each of these
// routes, and TestOpenAPIMatchesRoutes keeps the two in step.
func (s *Server) routes(r *gin.Engine) {
	r.Use(s.requestID, s.accessLog, s.recoverPanic, s.securityHeaders, s.cors, s.limitBody)
	r.NoRoute(s.handleNotFound)
	r.NoMethod(s.handleMethodNotAllowed)

	r.GET("/healthz", gin.WrapH(health.Liveness()))
	r.GET("/readyz", gin.WrapH(health.DatabaseReadiness(s.logger, s.pool)))

	api := r.Group("/api")

	auth := api.Group("/auth")
	auth.POST("/register", s.limitAuth, serveJSON(s, s.handleRegister))
	auth.POST("/verify-email", s.limitAuth, serveJSON(s, s.handleVerifyEmail))
	auth.POST("/verify-email/check", s.limitAuth, serveJSON(s, s.handleCheckVerifyEmail))
	auth.POST("/login", s.limitAuth, serveJSON(s, s.handleLogin))
	auth.GET("/me", s.requireAuth, s.handleMe)
	auth.POST("/forgot-password", s.limitAuth, serveJSON(s, s.handleForgotPassword))
	auth.POST("/reset-password", s.limitAuth, serveJSON(s, s.handleResetPassword))
	auth.POST("/reset-password/verify", s.limitAuth, serveJSON(s, s.handleVerifyResetToken))

	// Delivery events from the mail providers. Each answers 404 unless its
	// secret is configured; each authenticates the provider itself.
	hooks := api.Group("/webhooks")
	hooks.POST("/resend", s.handleResendWebhook)
	hooks.POST("/postmark", s.handlePostmarkWebhook)
	hooks.POST("/ses", s.handleSESWebhook)

	tasks := api.Group("/tasks", s.requireAuth)
	tasks.GET("", s.serve(s.handleListTasks))
	tasks.POST("", serveJSON(s, s.handleCreateTask))
	tasks.GET("/:id", s.serve(s.handleGetTask))
	tasks.PATCH("/:id", s.serve(s.handleUpdateTask))
	tasks.DELETE("/:id", s.serve(s.handleDeleteTask))

	// The job dashboard exists only when DASHBOARD_USERNAME and
	// DASHBOARD_PASSWORD are set; otherwise the path is a plain 404.
	if s.dashboard != nil {
		r.Any("/admin/*path", gin.WrapH(s.dashboard))
	}
}
