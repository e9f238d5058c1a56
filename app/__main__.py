"""`python -m app [--db PATH]` opens the window, as `cunwu gui` does."""

from app.ui.launch import entry_point

if __name__ == "__main__":
    entry_point()
