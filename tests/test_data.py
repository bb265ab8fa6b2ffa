"Every source and every fault of `nbs_lib.data`, offline: a local HTTP server and a fake wheel stand in for the network."
import functools, hashlib, http.server, io, threading, zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from nbs_lib.data import (ML100K, DataError, GENRES, REQUIRED, get_ml100k, load_ml100k, mku_splits, read_fold,
                          read_movies, verify_ml100k)

CLOSED = 'http://127.0.0.1:9/ml-100k.zip'  # nothing listens on port 9: "no network", answered at once

# ---------------------------------------------------------------- a tiny MovieLens in both published formats
RATINGS = [(u, m, 1 + (u * 7 + m * 3) % 5, 880000000 + 17 * u + m) for m in range(1, 5) for u in range(1, 6)]
UDATA = ''.join(f'{u}\t{m}\t{r}\t{t}\n' for u, m, r, t in RATINGS).encode()
MOVIES = [(1, 'Toy Story', '1995', 'Animation Comedy'), (2, 'Misérables, Les', '1995', 'Drama Musical'),
          (3, 'unkonwn', 'unkonwn', 'unknown'), (4, 'Land Before Time III (1995)', 'V', "Children's")]
USERS = [(u, 20 + u, 'MF'[u % 2], 'student', f'0{u}000') for u in range(1, 6)]
SPEC = replace(ML100K, n_ratings=20, n_users=5, n_movies=4, udata_size=len(UDATA),
               udata_sha256=hashlib.sha256(UDATA).hexdigest())

def write_folder(d: Path, udata: bytes = UDATA) -> Path:
    "A complete ml-100k folder in the GroupLens layout."
    d.mkdir(parents=True, exist_ok=True)
    (d/'u.data').write_bytes(udata)
    flags = lambda gs: '|'.join('1' if g in gs.split() else '0' for g in GENRES)
    (d/'u.item').write_text(''.join(f'{m}|{n} ({y})|01-Jan-{y}||http://x|{flags(g)}\n' for m, n, y, g in MOVIES), encoding='latin-1')
    (d/'u.user').write_text(''.join('|'.join(map(str, u)) + '\n' for u in USERS))
    (d/'u.genre').write_text(''.join(f'{g}|{i}\n' for i, g in enumerate(GENRES)))
    for name, b in mku_splits(udata).items(): (d/name).write_bytes(b)
    return d

def grouplens_zip(tmp: Path, udata: bytes = UDATA) -> bytes:
    folder = write_folder(tmp/'src'/'ml-100k', udata)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        for f in sorted(folder.iterdir()): z.write(f, f'ml-100k/{f.name}')
    return buf.getvalue()

def recbole_wheel(d: Path, inter: bytes = UDATA) -> Path:
    "A wheel named like recbole 1.2.1 holding the three RecBole files."
    d.mkdir(parents=True, exist_ok=True)
    whl = d/'recbole-1.2.1-py3-none-any.whl'
    pre = 'recbole/dataset_example/ml-100k/ml-100k'
    with zipfile.ZipFile(whl, 'w') as z:
        z.writestr(f'{pre}.inter', b'user_id:token\titem_id:token\trating:float\ttimestamp:float\n' + inter)
        z.writestr(f'{pre}.item', 'item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n' +
                   ''.join('\t'.join(map(str, m)) + '\n' for m in MOVIES))
        z.writestr(f'{pre}.user', 'user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n' +
                   ''.join('\t'.join(map(str, u)) + '\n' for u in USERS))
        z.writestr('recbole-1.2.1.dist-info/METADATA', 'Metadata-Version: 2.1\nName: recbole\nVersion: 1.2.1\n')
        z.writestr('recbole-1.2.1.dist-info/WHEEL', 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n')
    return whl

@pytest.fixture
def serve(tmp_path):
    "serve(name, bytes) -> URL of that file on an HTTP server on 127.0.0.1, stopped after the test."
    root = tmp_path/'www'; root.mkdir()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    handler = functools.partial(Quiet, directory=str(root))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    def put(name, content):
        (root/name).write_bytes(content)
        return f'http://127.0.0.1:{srv.server_address[1]}/{name}'
    yield put
    srv.shutdown(); srv.server_close()

@pytest.fixture
def cache(tmp_path, monkeypatch):
    "An empty data folder, and a package index that only holds what a test puts in `tmp_path/'index'`."
    d = tmp_path/'data'
    monkeypatch.setenv('COLLAB_WORKBOOK_DATA', str(d))
    (tmp_path/'index').mkdir()
    monkeypatch.setenv('PIP_NO_INDEX', '1')
    monkeypatch.setenv('PIP_FIND_LINKS', str(tmp_path/'index'))
    monkeypatch.setenv('PIP_NO_CACHE_DIR', '1')
    return d

def leftovers(d: Path): return sorted(p.name for p in d.iterdir() if p.name != 'ml-100k') if d.exists() else []

# ---------------------------------------------------------------- the splits
def test_mku_splits_partition_the_ratings():
    folds = mku_splits(UDATA)
    tests = [folds[f'u{i}.test'].splitlines() for i in range(1, 6)]
    assert sorted(sum(tests, [])) == sorted(UDATA.splitlines())           # each rating is tested exactly once
    for i in range(1, 6):
        base, test = folds[f'u{i}.base'].splitlines(), tests[i-1]
        assert sorted(base + test) == sorted(UDATA.splitlines())
        assert test == sorted(UDATA.splitlines()[4*(i-1):4*i], key=lambda l: tuple(map(int, l.split(b'\t')[:2])))

# ---------------------------------------------------------------- a folder you name
def test_explicit_folder_and_env_var(tmp_path, monkeypatch):
    d = write_folder(tmp_path/'mine')
    assert get_ml100k(d, spec=SPEC) == d
    monkeypatch.setenv('ML100K_DIR', str(d))
    ml = load_ml100k(spec=SPEC)
    assert ml.path == d and len(ml.ratings) == 20 and list(ml.ratings.columns) == ['user', 'movie', 'rating', 'timestamp']
    assert ml.movies.title.tolist()[:2] == ['Toy Story (1995)', 'Misérables, Les (1995)']
    assert ml.movies.year.tolist()[:2] == [1995, 1995] and ml.movies.genres[1] == 'Drama|Musical'

@pytest.mark.parametrize('missing', ['u.data', 'u.item', 'u3.test'])
def test_folder_missing_a_file(tmp_path, missing):
    d = write_folder(tmp_path/'mine'); (d/missing).unlink()
    with pytest.raises(DataError, match=f'not a complete ml-100k folder: {missing} missing'): get_ml100k(d, spec=SPEC)

def test_not_a_folder(tmp_path):
    with pytest.raises(DataError, match='is not a folder'): get_ml100k(tmp_path/'nope', spec=SPEC)

def test_changed_rating_fails_checksum(tmp_path):
    d = write_folder(tmp_path/'mine', UDATA.replace(b'\t3\t', b'\t4\t', 1))
    with pytest.raises(DataError, match='fails its checksum'): verify_ml100k(d, SPEC)

def test_truncated_ratings(tmp_path):
    d = write_folder(tmp_path/'mine', UDATA[:UDATA.rindex(b'\n', 0, -1) + 1])
    with pytest.raises(DataError, match='has 19 ratings, not 20'): verify_ml100k(d, SPEC)

def test_split_that_is_not_mku(tmp_path):
    d = write_folder(tmp_path/'mine'); (d/'u2.test').write_bytes(b''.join(sorted(UDATA.splitlines(True))[:4]))
    with pytest.raises(DataError, match='u2.test is not the split that mku.sh cuts'): verify_ml100k(d, SPEC)

def test_read_fold_rejects_unknown_fold(tmp_path):
    with pytest.raises(ValueError, match='u1..u5'): read_fold(write_folder(tmp_path/'mine'), 6)

# ---------------------------------------------------------------- GroupLens, over HTTP
def test_download_fills_the_cache(tmp_path, cache, serve):
    z = grouplens_zip(tmp_path)
    path = get_ml100k(spec=replace(SPEC, url=serve('ml-100k.zip', z), zip_size=len(z)))
    assert path == cache/'ml-100k' and sorted(p.name for p in path.iterdir()) == sorted(REQUIRED)
    assert leftovers(cache) == []                                   # the scratch folder is gone
    assert get_ml100k(spec=replace(SPEC, url=CLOSED)) == path       # second time: the cache, no network

def test_short_download_is_refused(tmp_path, cache, serve):
    z = grouplens_zip(tmp_path)
    with pytest.raises(DataError, match=r'GroupLens: the download is [\d,]+ bytes, not [\d,]+: it was cut short'):
        get_ml100k(spec=replace(SPEC, url=serve('ml-100k.zip', z[:len(z)//2]), zip_size=len(z)))
    assert leftovers(cache) == [] and not (cache/'ml-100k').exists()

def test_truncated_zip_is_refused(tmp_path, cache, serve):
    z = grouplens_zip(tmp_path)[:-200]
    with pytest.raises(DataError, match='is not a readable zip archive'):
        get_ml100k(spec=replace(SPEC, url=serve('ml-100k.zip', z), zip_size=len(z)))
    assert not (cache/'ml-100k').exists()

def test_zip_with_a_damaged_member(tmp_path, cache, serve):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as zf: zf.writestr('ml-100k/u.data', UDATA)
    z = buf.getvalue().replace(UDATA[:20], UDATA[:19] + b'X', 1)
    with pytest.raises(DataError, match='u.data fails its CRC check'):
        get_ml100k(spec=replace(SPEC, url=serve('ml-100k.zip', z), zip_size=len(z)))

def test_zip_cannot_write_outside_its_folder(tmp_path, cache, serve):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as zf: zf.writestr('../../escaped.txt', b'gotcha')
    z = buf.getvalue()
    with pytest.raises(DataError, match="contains '../../escaped.txt', which would be written outside"):
        get_ml100k(spec=replace(SPEC, url=serve('ml-100k.zip', z), zip_size=len(z)))
    assert not list(tmp_path.rglob('escaped.txt'))

def test_download_with_wrong_ratings_names_the_source(tmp_path, cache, serve):
    z = grouplens_zip(tmp_path, UDATA.replace(b'\t3\t', b'\t4\t', 1))
    with pytest.raises(DataError, match=r'(?s)GroupLens: .*u.data fails its checksum.*recbole wheel'):
        get_ml100k(spec=replace(SPEC, url=serve('ml-100k.zip', z), zip_size=len(z)))

# ---------------------------------------------------------------- the offline route: a wheel from the package index
def test_wheel_fallback(tmp_path, cache):
    whl = recbole_wheel(tmp_path/'index')
    spec = replace(SPEC, url=CLOSED, wheel_sha256=hashlib.sha256(whl.read_bytes()).hexdigest())
    ml = load_ml100k(spec=spec)
    assert ml.path == cache/'ml-100k' and leftovers(cache) == []
    assert (ml.path/'u.data').read_bytes() == UDATA
    assert ml.movies.title.tolist() == ['Toy Story (1995)', 'Misérables, Les (1995)', 'unknown', 'Land Before Time III (1995) (V)']
    assert ml.movies.year.tolist()[3] == 1995 and ml.movies.genres.tolist()[2] == 'unknown'
    assert (ml.path/'u.item').read_bytes().decode('latin-1').splitlines()[1].startswith('2|Misérables, Les (1995)|')
    assert ml.users.zip.tolist()[0] == '01000'

def test_wheel_with_wrong_checksum(tmp_path, cache):
    recbole_wheel(tmp_path/'index')
    with pytest.raises(DataError, match='recbole-1.2.1-py3-none-any.whl fails its checksum'):
        get_ml100k(spec=replace(SPEC, url=CLOSED))

def test_no_network_and_no_index(cache):
    with pytest.raises(DataError) as e: get_ml100k(spec=replace(SPEC, url=CLOSED, wheel_sha256='0'*64))
    msg = str(e.value)
    assert 'could not get MovieLens 100k. Tried:' in msg and '- GroupLens: <urlopen error' in msg
    assert '- the recbole wheel on the package index: `pip download recbole==1.2.1` failed' in msg
    assert 'What to do:' in msg and 'ML100K_DIR' in msg
    assert leftovers(cache) == []

def test_unwritable_cache_folder(tmp_path, monkeypatch):
    (tmp_path/'a-file').write_text('not a folder')
    monkeypatch.setenv('COLLAB_WORKBOOK_DATA', str(tmp_path/'a-file'/'data'))
    with pytest.raises(DataError, match='cannot write to .*a-file/data.*Set COLLAB_WORKBOOK_DATA'): get_ml100k(spec=SPEC)

# ---------------------------------------------------------------- a damaged cache is reported, never overwritten
def test_damaged_cache_is_kept(tmp_path, cache):
    write_folder(cache/'ml-100k', UDATA.replace(b'\t3\t', b'\t4\t', 1))
    damaged = (cache/'ml-100k'/'u.data').read_bytes()
    with pytest.raises(DataError, match=r'(?s)fails its checksum.*The cached copy is damaged.*refresh=True'):
        get_ml100k(spec=SPEC)
    with pytest.raises(DataError, match='could not get MovieLens 100k'):   # a refresh with no source working
        get_ml100k(refresh=True, spec=replace(SPEC, url=CLOSED))
    assert (cache/'ml-100k'/'u.data').read_bytes() == damaged and leftovers(cache) == []
    whl = recbole_wheel(tmp_path/'index')                                  # a refresh that works
    spec = replace(SPEC, url=CLOSED, wheel_sha256=hashlib.sha256(whl.read_bytes()).hexdigest())
    assert (get_ml100k(refresh=True, spec=spec)/'u.data').read_bytes() == UDATA
    [old] = leftovers(cache)
    assert old.startswith('ml-100k.old-') and (cache/old/'u.data').read_bytes() == damaged

# ---------------------------------------------------------------- the real thing (fetched into data/ on first use)
@pytest.mark.data
def test_real_movielens_100k():
    ml = load_ml100k()
    r = ml.ratings
    assert (len(r), r.user.nunique(), r.movie.nunique(), ml.movies.title.nunique()) == (100_000, 943, 1682, 1664)
    assert hashlib.sha256((ml.path/'u.data').read_bytes()).hexdigest() == ML100K.udata_sha256
    assert set(r.rating) == {1, 2, 3, 4, 5} and len(ml.users) == 943
    for i in range(1, 6):
        train, test = read_fold(ml.path, i)
        assert (len(train), len(test)) == (80_000, 20_000)
    titles = ml.movies.set_index('movie').title
    assert titles[1] == 'Toy Story (1995)' and titles[50] == 'Star Wars (1977)' and titles[267] == 'unknown'
    assert titles[543] == 'Misérables, Les (1995)' and ml.movies.set_index('movie').year[1412] == 1995
    assert ml.movies[list(GENRES)].sum().sum() == ml.movies.genres.str.split('|').str.len().sum()
