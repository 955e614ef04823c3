"""Receipt printers: CUPS and a simulator."""

from devices.printer.base import Printer, PrinterError, PrinterStatus, PrintJob

__all__ = ["PrintJob", "Printer", "PrinterError", "PrinterStatus"]
