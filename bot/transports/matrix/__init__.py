"""The Matrix transport (matrix-nio). Only this package imports ``nio``."""

from bot.transports.matrix.transport import MatrixStartError, MatrixTransport

__all__ = ["MatrixStartError", "MatrixTransport"]
