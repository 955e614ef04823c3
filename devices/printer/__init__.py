"""Receipt printers: CUPS and a simulator."""

from devices.printer.base import Printer, PrinterError, PrintJob

__all__ = ["PrintJob", "Printer", "PrinterError"]
