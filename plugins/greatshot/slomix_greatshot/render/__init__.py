"""Top-down 2D renders of clips, without the game: frames drawn with Pillow, encoded with PyAV."""
