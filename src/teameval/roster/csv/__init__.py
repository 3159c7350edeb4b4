"""The roster as a CSV file: import (API and CLI), export, and the roster's columns."""
