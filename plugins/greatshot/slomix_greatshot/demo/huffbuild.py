"""Derive the game's static Huffman code from its symbol frequencies.

Quake 3 and ET share one code, defined implicitly: start an adaptive (FGK)
Huffman tree holding only the not-yet-transmitted node, then add a reference
for symbol i exactly FREQUENCIES[i] times, i = 0..255 in order. The tree never
changes after that. Replaying it costs seconds, so the result ships in
:mod:`.codes`; a test rebuilds it from these numbers and compares.
"""

from __future__ import annotations

#: Reference counts per byte value (ET:Legacy src/qcommon/msg.c, msg_hData).
FREQUENCIES = (
    250315, 41193, 6292, 7106, 3730, 3750, 6110, 23283, 33317, 6950, 7838, 9714, 9257, 17259, 3949,
    1778, 8288, 1604, 1590, 1663, 1100, 1213, 1238, 1134, 1749, 1059, 1246, 1149, 1273, 4486, 2805,
    3472, 21819, 1159, 1670, 1066, 1043, 1012, 1053, 1070, 1726, 888, 1180, 850, 960, 780, 1752, 3296,
    10630, 4514, 5881, 2685, 4650, 3837, 2093, 1867, 2584, 1949, 1972, 940, 1134, 1788, 1670, 1206,
    5719, 6128, 7222, 6654, 3710, 3795, 1492, 1524, 2215, 1140, 1355, 971, 2180, 1248, 1328, 1195,
    1770, 1078, 1264, 1266, 1168, 965, 1155, 1186, 1347, 1228, 1529, 1600, 2617, 2048, 2546, 3275,
    2410, 3585, 2504, 2800, 2675, 6146, 3663, 2840, 14253, 3164, 2221, 1687, 3208, 2739, 3512, 4796,
    4091, 3515, 5288, 4016, 7937, 6031, 5360, 3924, 4892, 3743, 4566, 4807, 5852, 6400, 6225, 8291,
    23243, 7838, 7073, 8935, 5437, 4483, 3641, 5256, 5312, 5328, 5370, 3492, 2458, 1694, 1821, 2121,
    1916, 1149, 1516, 1367, 1236, 1029, 1258, 1104, 1245, 1006, 1149, 1025, 1241, 952, 1287, 997, 1713,
    1009, 1187, 879, 1099, 929, 1078, 951, 1656, 930, 1153, 1030, 1262, 1062, 1214, 1060, 1621, 930,
    1106, 912, 1034, 892, 1158, 990, 1175, 850, 1121, 903, 1087, 920, 1144, 1056, 3462, 2240, 4397,
    12136, 7758, 1345, 1307, 3278, 1950, 886, 1023, 1112, 1077, 1042, 1061, 1071, 1484, 1001, 1096,
    915, 1052, 995, 1070, 876, 1111, 851, 1059, 805, 1112, 923, 1103, 817, 1899, 1872, 976, 841, 1127,
    956, 1159, 950, 7791, 954, 1289, 933, 1127, 3207, 1020, 927, 1355, 768, 1040, 745, 952, 805, 1073,
    740, 1013, 805, 1008, 796, 996, 1057, 11457, 13504,
)

_INTERNAL = -1
_NYT = 256


class _Node:
    __slots__ = ("head", "left", "next", "parent", "prev", "right", "symbol", "weight")

    def __init__(self, symbol: int, weight: int) -> None:
        self.left = self.right = self.parent = self.next = self.prev = None
        self.head: list | None = None  # a shared cell: the highest node of its weight block
        self.weight = weight
        self.symbol = symbol


class _Tree:
    """The adaptive tree; only add is needed to reach the static state."""

    def __init__(self) -> None:
        nyt = _Node(_NYT, 0)
        self.root = nyt
        self.lhead = nyt
        self.loc: dict[int, _Node] = {_NYT: nyt}

    def _swap(self, a: _Node, b: _Node) -> None:
        pa, pb = a.parent, b.parent
        if pa is not None:
            if pa.left is a:
                pa.left = b
            else:
                pa.right = b
        else:
            self.root = b
        if pb is not None:
            if pb.left is b:
                pb.left = a
            else:
                pb.right = a
        else:
            self.root = a
        a.parent, b.parent = pb, pa

    @staticmethod
    def _swap_list(a: _Node, b: _Node) -> None:
        a.next, b.next = b.next, a.next
        a.prev, b.prev = b.prev, a.prev
        if a.next is a:
            a.next = b
        if b.next is b:
            b.next = a
        for n in (a, b):
            if n.next is not None:
                n.next.prev = n
            if n.prev is not None:
                n.prev.next = n

    def _increment(self, node: _Node | None) -> None:
        if node is not None:
            if node.next is not None and node.next.weight == node.weight:
                leader = node.head[0]
                if leader is not node.parent:
                    self._swap(leader, node)
                self._swap_list(leader, node)
            if node.prev is not None and node.prev.weight == node.weight:
                node.head[0] = node.prev
            else:
                node.head[0] = None
            node.weight += 1
            if node.next is not None and node.next.weight == node.weight:
                node.head = node.next.head
            else:
                node.head = [node]
            parent = node.parent
            if parent is None:
                return
            self._increment(parent)
            if node.prev is parent:
                self._swap_list(node, parent)
                if node.head[0] is node:
                    node.head[0] = parent
            return

    def add(self, symbol: int) -> None:
        known = self.loc.get(symbol)
        if known is not None:
            self._increment(known)
            return
        lhead = self.lhead
        inner = _Node(_INTERNAL, 1)
        inner.next = lhead.next
        if lhead.next is not None:
            lhead.next.prev = inner
            inner.head = lhead.next.head if lhead.next.weight == 1 else [inner]
        else:
            inner.head = [inner]
        lhead.next = inner
        inner.prev = lhead
        leaf = _Node(symbol, 1)
        leaf.next = lhead.next
        if lhead.next is not None:
            lhead.next.prev = leaf
            leaf.head = lhead.next.head if lhead.next.weight == 1 else [inner]
        else:
            leaf.head = [leaf]
        lhead.next = leaf
        leaf.prev = lhead
        if lhead.parent is not None:
            if lhead.parent.left is lhead:
                lhead.parent.left = inner
            else:
                lhead.parent.right = inner
        else:
            self.root = inner
        inner.right = leaf
        inner.left = lhead
        inner.parent = lhead.parent
        lhead.parent = leaf.parent = inner
        self.loc[symbol] = leaf
        self._increment(inner.parent)


def build_codes() -> list[tuple[int, int]]:
    """Return (code, length) per byte value; bit i of code is the i-th bit sent."""
    tree = _Tree()
    for symbol, count in enumerate(FREQUENCIES):
        for _ in range(count):
            tree.add(symbol)
    codes = []
    for symbol in range(256):
        node, path = tree.loc[symbol], []
        while node.parent is not None:
            path.append(1 if node.parent.right is node else 0)
            node = node.parent
        path.reverse()
        codes.append((sum(bit << i for i, bit in enumerate(path)), len(path)))
    return codes
