package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// These handlers are placeholders until the accounts work lands; each answers
// 501 in the standard error shape.

func notImplemented(c *gin.Context) {
	c.AbortWithStatusJSON(http.StatusNotImplemented, errorBody{Error: errorPayload{Code: "not_implemented", Message: "Not implemented yet."}})
}

func (s *Server) limitAuth(c *gin.Context)        { c.Next() }
func (s *Server) requireAuth(c *gin.Context)      { notImplemented(c) }
func (s *Server) handleRegister(c *gin.Context)   { notImplemented(c) }
func (s *Server) handleLogin(c *gin.Context)      { notImplemented(c) }
func (s *Server) handleMe(c *gin.Context)         { notImplemented(c) }
func (s *Server) handleListTasks(c *gin.Context)  { notImplemented(c) }
func (s *Server) handleCreateTask(c *gin.Context) { notImplemented(c) }
func (s *Server) handleGetTask(c *gin.Context)    { notImplemented(c) }
func (s *Server) handleUpdateTask(c *gin.Context) { notImplemented(c) }
func (s *Server) handleDeleteTask(c *gin.Context) { notImplemented(c) }
