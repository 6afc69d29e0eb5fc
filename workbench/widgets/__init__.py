"""Interactive explorers: ipywidgets controls wired to analysis and plot calls.

Each ``*_explorer`` keeps its options as plain data (``explorer.options``) and exposes the
function that redraws from them, so tests drive it without a browser. Texts shown in widgets
are escaped; nothing from a message is rendered as HTML.
"""

from ._crosspost import CrosspostExplorer, crosspost_explorer
from ._frames import FrameLabeller, frame_labeller
from ._network import NetworkExplorer, network_explorer
from ._timeline import VolumeExplorer, volume_explorer

__all__: list[str] = ["CrosspostExplorer", "crosspost_explorer",
                      "NetworkExplorer", "VolumeExplorer", "network_explorer",
                      "volume_explorer", "FrameLabeller", "frame_labeller"]
