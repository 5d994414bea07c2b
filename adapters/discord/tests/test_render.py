"""Reply → embeds and attachments, without Discord."""

from __future__ import annotations

import pytest

from slomix.kernel import Field, Image, Reply, Table
from slomix.kernel.reply import COLOUR_ERROR
from slomix_discord.render import EMBED_MAX, TABLE_WIDTH, render, table_text, table_width


def test_a_reply_becomes_one_embed_with_its_fields_colour_and_footer() -> None:
    reply = Reply(title="vid", description="Lifetime stats", url="https://example.org/p/vid",
                  fields=[Field("Kills", "1234"), Field("K/D", "1.42", inline=False)], colour=0x123456,
                  footer="since 2024")
    rendered = render(reply)
    assert len(rendered.pages) == 1 and rendered.images == []
    assert rendered.pages[0].to_dict() == {
        "type": "rich", "title": "vid", "description": "Lifetime stats", "url": "https://example.org/p/vid",
        "color": 0x123456, "footer": {"text": "since 2024"},
        "fields": [{"name": "Kills", "value": "1234", "inline": True},
                   {"name": "K/D", "value": "1.42", "inline": False}]}


def test_a_short_table_is_an_aligned_code_block() -> None:
    table = Table(columns=["name", "kills", "kd"], rows=[["vid", 120, 1.5], ["superboyy", 7, 0.333]])
    assert table_text(table) == ("name       kills    kd\n"
                                 "---------  -----  ----\n"
                                 "vid          120  1.50\n"
                                 "superboyy      7  0.33")
    embed = render(Reply(title="Top", tables=[table])).pages[0]
    assert embed.description == "```\n" + table_text(table) + "\n```"


def test_a_long_table_is_split_into_pages_that_repeat_the_header() -> None:
    rows = [[i, f"p{i}"] for i in range(1, 36)]
    rendered = render(Reply(title="Ranking", description="by kills", footer="all time",
                            fields=[Field("players", "35")], tables=[Table(columns=["#", "name"], rows=rows)]),
                      rows_per_page=15)
    pages = [page.to_dict() for page in rendered.pages]
    assert len(pages) == 3
    assert [p["footer"]["text"] for p in pages] == ["all time · page 1/3", "all time · page 2/3",
                                                    "all time · page 3/3"]
    assert all(p["title"] == "Ranking" and p["description"].startswith("by kills\n\n```\n #  name") for p in pages)
    assert "p15" in pages[0]["description"] and "p16" not in pages[0]["description"]
    assert "p16" in pages[1]["description"] and "p35" in pages[2]["description"]
    assert "fields" in pages[0] and "fields" not in pages[1]  # fields once, on the first page


def test_reply_pages_follow_the_first_page_numbered_by_their_plugin() -> None:
    reply = Reply(title="Top", footer="page 1/3", pages=[
        Reply(title="Top", footer="page 2/3", tables=[Table(columns=["#"], rows=[[i] for i in range(20)])]),
        Reply(title="Top", footer="page 3/3")])
    footers = [p.footer.text for p in render(reply, rows_per_page=15).pages]
    assert footers == ["page 1/3", "page 2/3 · page 1/2", "page 2/3 · page 2/2", "page 3/3"]


def test_images_are_attachments_and_the_first_is_the_picture() -> None:
    reply = Reply(title="Chart", images=[Image(filename="kills chart.png", data=b"one", alt="kills"),
                                         Image(filename="kills chart.png", data=b"two")])
    rendered = render(reply)
    assert [i.filename for i in rendered.images] == ["kills_chart.png", "2_kills_chart.png"]
    assert rendered.pages[0].image.url == "attachment://kills_chart.png"
    files = rendered.files()
    assert [(f.filename, f.description, f.fp.read()) for f in files] == [
        ("kills_chart.png", "kills", b"one"), ("2_kills_chart.png", None, b"two")]
    assert rendered.files()[0].fp.read() == b"one"  # fresh files for every send


def test_discord_limits_are_respected() -> None:
    fields = render(Reply(title="t", fields=[Field("n" * 300, "v" * 2000) for _ in range(30)])).pages[0]
    assert len(fields) <= EMBED_MAX and 0 < len(fields.fields) <= 25
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in fields.fields)
    text = render(Reply(title="t" * 400, description="d" * 5000, footer="f" * 3000, colour=COLOUR_ERROR)).pages[0]
    assert len(text.title) == 256 and len(text.footer.text) == 2048 and text.description.endswith("…")
    assert len(text) == EMBED_MAX and text.colour.value == COLOUR_ERROR


def test_a_long_text_makes_room_for_its_table() -> None:
    table = Table(columns=["name"], rows=[["vid"], ["olz"]])
    embed = render(Reply(description="x" * 5000, tables=[table])).pages[0]
    assert embed.description.endswith("```\n" + table_text(table) + "\n```")
    assert embed.description.startswith("xxx") and len(embed.description) <= 4096


def test_table_cells_cannot_break_the_code_block() -> None:
    table = Table(columns=["name"], rows=[["```evil```"], [None], [True], ["a very long name " * 5]])
    text = table_text(table)
    assert "`" not in text
    assert text.splitlines()[2:] == ["'''evil'''", "", "yes", "a very long name a very…"]


def test_an_empty_reply_is_still_a_valid_embed() -> None:
    assert render(Reply()).pages[0].to_dict()["description"] == "\u200b"


@pytest.mark.anyio  # a nextcord View wants a running event loop
async def test_actions_become_buttons_that_carry_their_command_line_beside_the_paging_ones() -> None:
    from slomix.kernel import Action
    from slomix_discord import paging

    actions = [Action(label="I'm in", command="avail 2026-12-02 yes"), Action(label="Maybe", command="x " * 60)]
    one = paging._pager(render(Reply(title="Tonight", actions=actions)), timeout=60)
    assert [(b.label, b.custom_id) for b in one.children] == [
        ("I'm in", "slomix:run:avail 2026-12-02 yes"), ("Maybe", ("slomix:run:" + "x " * 60)[:100])]
    assert one.timeout is None  # answered by the bot from the custom id, after a restart too
    paged = paging._pager(render(Reply(title="a", pages=[Reply(title="b")], actions=actions[:1])), timeout=60)
    assert [b.label for b in paged.children] == ["Previous", "Next", "I'm in"]
    assert paging._pager(render(Reply(title="plain")), timeout=60) is None


def test_a_table_wider_than_a_phone_embed_becomes_one_field_per_row() -> None:
    wide = Table(title="S*F", columns=["player", "kills", "deaths", "K/D", "dmg given", "dmg recv", "gibs"],
                 rows=[["SmetarskiProner", 80, 98, "0.82", 18396, 18579, 22],
                       ["vid", 120, 110, "1.09", 24594, 22079, 40]])
    narrow = Table(columns=["map", "S*F", "allbad"], rows=[["etl_adlernest", 2, 0]])
    assert table_width(wide) > TABLE_WIDTH >= table_width(narrow)
    [first, second] = render(Reply(title="Session", fields=[Field("MVP", "bronze.")], tables=[narrow, wide])).pages
    assert first.description == "```\n" + table_text(narrow) + "\n```"
    assert [f.name for f in first.fields] == ["MVP"]
    assert second.description == "**S*F**"
    assert [(f.name, f.value, f.inline) for f in second.fields] == [
        ("SmetarskiProner", "kills 80 · deaths 98 · K/D 0.82 · dmg given 18396 · dmg recv 18579 · gibs 22", False),
        ("vid", "kills 120 · deaths 110 · K/D 1.09 · dmg given 24594 · dmg recv 22079 · gibs 40", False)]
    assert [p.footer.text for p in (first, second)] == ["page 1/2", "page 2/2"]


def test_rows_as_fields_page_at_most_the_fields_an_embed_holds() -> None:
    wide = Table(columns=["player", "a long column", "another long one", "and a third"],
                 rows=[[f"p{i}", i, i * 2, i * 3] for i in range(40)])
    pages = render(Reply(title="t", fields=[Field("x", "y")] * 20, tables=[wide]), rows_per_page=15).pages
    # The first page holds the reply's own 20 fields and the first 5 rows: 25, Discord's most.
    assert [len(p.fields) for p in pages] == [25] + [5] * 7
    assert pages[0].fields[20].name == "p0" and pages[-1].fields[-1].name == "p39"
