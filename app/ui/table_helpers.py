"""Read-only tables for the window's pages, and text and choice prompts with Chinese buttons.

QInputDialog's static helpers label their buttons in English unless Qt's translations are loaded
(they are not in tests, nor on a machine missing them), so the prompt sets its button texts itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QInputDialog,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.core.disclosure import for_output


def read_only_table(headers: Sequence[str], stretch: int | None = None) -> QTableWidget:
    """One selectable row at a time; columns fit their contents, `stretch` takes what is left."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    for column in range(len(headers)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def fill_rows(table: QTableWidget, rows: Sequence[Sequence[str]], colours: Sequence[str | None] = ()) -> None:
    """Replace the table's rows; a row's colour (e.g. "#C6EFCE"), when given, paints the whole row."""
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        colour = colours[r] if r < len(colours) else None
        for c, raw in enumerate(values):
            value = for_output(raw)  # the disclosure gate's sink for every table on screen
            item = QTableWidgetItem(value)
            item.setToolTip(value)  # long texts (what was posted) stay readable when the column is narrow
            if colour:
                item.setBackground(QBrush(QColor(colour)))
            table.setItem(r, c, item)


def selected_index(table: QTableWidget) -> int | None:
    rows = table.selectionModel().selectedRows()
    return rows[0].row() if rows else None


def ask_text(parent: QWidget, title: str, label: str, accept: str, text: str = "") -> str | None:
    """One line of text, or None when the clerk cancelled."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.setOkButtonText(accept)
    dialog.setCancelButtonText("取消")
    return dialog.textValue() if dialog.exec() else None


def ask_choice(parent: QWidget, title: str, label: str, accept: str, choices: Sequence[str],
               current: str | None = None) -> str | None:
    """One of `choices` from a drop-down (`current` preselected), or None when the clerk cancelled."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setComboBoxItems(list(choices))
    if current is not None:
        dialog.setTextValue(current)
    dialog.setOkButtonText(accept)
    dialog.setCancelButtonText("取消")
    return dialog.textValue() if dialog.exec() else None


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Open at (width, height) or, on a smaller screen (1366×768 at 125%: 1092×614), at what the screen
    has room for: never with its buttons off screen."""
    from PySide6.QtGui import QGuiApplication

    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        # The title bar and the frame are not part of the size: leave them room.
        width, height = min(width, room.width() - 16), min(height, room.height() - 40)
    widget.resize(max(width, widget.minimumSizeHint().width()), max(height, widget.minimumSizeHint().height()))
