package httpapi

import "github.com/gin-gonic/gin"

// Placeholders until the reset pipeline lands.

func (s *Server) handleForgotPassword(c *gin.Context)   { notImplemented(c) }
func (s *Server) handleResetPassword(c *gin.Context)    { notImplemented(c) }
func (s *Server) handleVerifyResetToken(c *gin.Context) { notImplemented(c) }
