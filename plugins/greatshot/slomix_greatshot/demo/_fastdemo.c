/* Compiled twin of bitstream.Reader: the same methods, the same results, the
 * same StreamError at the same places. Tables come from the Python modules
 * (codes.CODES, netfields.*_BITS) through init(), so they have one home. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define PAD 64
#define MAX_FIELDS 80
#define ENTITY_NONE 1023

static uint16_t decode_table[2048];
static uint32_t integral_floats[8192];
static int entity_bits[MAX_FIELDS], player_bits[MAX_FIELDS], shared_bits[MAX_FIELDS];
static int n_entity, n_player, n_shared;
static PyObject *stream_error;
static int ready;

typedef struct {
    PyObject_HEAD
    uint8_t *data;
    Py_ssize_t pos;
    Py_ssize_t end;  /* in bits */
} Reader;

static int fail(const char *why) {
    PyErr_SetString(stream_error, why);
    return -1;
}

static inline uint32_t rbit(Reader *r) {
    Py_ssize_t pos = r->pos++;
    if ((pos >> 3) >= (r->end >> 3) + PAD) return 0;  /* the Python twin's padding reads as zero */
    return (r->data[pos >> 3] >> (pos & 7)) & 1;
}

static inline int rbits(Reader *r, int n, uint32_t *out) {
    const uint8_t *d = r->data;
    Py_ssize_t pos = r->pos;
    uint32_t value = 0;
    int raw = n & 7, shift = raw;
    if (((pos + 7 + 11 * (n >> 3)) >> 3) + 3 > (r->end >> 3) + PAD) return fail("message ends in the middle of a value");
    if (raw) {
        Py_ssize_t i = pos >> 3;
        value = ((uint32_t)(d[i] | d[i + 1] << 8) >> (pos & 7)) & ((1u << raw) - 1);
        pos += raw;
    }
    for (int k = 0; k < (n >> 3); k++) {
        Py_ssize_t i = pos >> 3;
        uint16_t e = decode_table[((uint32_t)(d[i] | d[i + 1] << 8 | d[i + 2] << 16) >> (pos & 7)) & 0x7FF];
        value |= (uint32_t)(e & 0xFF) << shift;
        pos += e >> 8;
        shift += 8;
    }
    if (pos > r->end) return fail("message ends in the middle of a value");
    r->pos = pos;
    *out = value;
    return 0;
}

static inline long sext(uint32_t v, int n) {
    if (n < 32 && (v >> (n - 1)) & 1) return (long)v - (1L << n);
    if (n == 32) return (long)(int32_t)v;
    return (long)v;
}

/* ---- Reader type ------------------------------------------------------ */

static int Reader_init(Reader *self, PyObject *args, PyObject *kw) {
    Py_buffer buf;
    if (!ready) { PyErr_SetString(PyExc_RuntimeError, "_fastdemo.init() was not called"); return -1; }
    if (!PyArg_ParseTuple(args, "y*", &buf)) return -1;
    PyMem_Free(self->data);
    self->data = PyMem_Calloc(buf.len + PAD, 1);
    if (!self->data) { PyBuffer_Release(&buf); PyErr_NoMemory(); return -1; }
    memcpy(self->data, buf.buf, buf.len);
    self->pos = 0;
    self->end = buf.len * 8;
    PyBuffer_Release(&buf);
    return 0;
}

static void Reader_dealloc(Reader *self) {
    PyMem_Free(self->data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *R_bit(Reader *r, PyObject *unused) { return PyLong_FromLong(rbit(r)); }

static PyObject *R_bits(Reader *r, PyObject *arg) {
    long n = PyLong_AsLong(arg);
    uint32_t v;
    if (n < 1 || n > 32) { if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "1..32 bits"); return NULL; }
    if (rbits(r, (int)n, &v)) return NULL;
    return PyLong_FromUnsignedLong(v);
}

static PyObject *R_signed(Reader *r, PyObject *arg) {
    long n = PyLong_AsLong(arg);
    uint32_t v;
    if (n < 1 || n > 32) { if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "1..32 bits"); return NULL; }
    if (rbits(r, (int)n, &v)) return NULL;
    return PyLong_FromLong(sext(v, (int)n));
}

static PyObject *R_string(Reader *r, PyObject *args) {
    long limit = 1024;
    if (!PyArg_ParseTuple(args, "|l", &limit)) return NULL;
    char *out = PyMem_Malloc(limit > 1 ? limit : 1);
    Py_ssize_t len = 0;
    uint32_t c;
    if (!out) return PyErr_NoMemory();
    for (;;) {
        if (rbits(r, 8, &c)) { PyMem_Free(out); return NULL; }
        if (c == 0) break;
        if (len < limit - 1) out[len++] = (char)(c == 37 ? 46 : c);
    }
    PyObject *s = PyUnicode_DecodeLatin1(out, len, NULL);
    PyMem_Free(out);
    return s;
}

static PyObject *R_bytes(Reader *r, PyObject *arg) {
    long n = PyLong_AsLong(arg);
    if (n < 0) { if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "negative count"); return NULL; }
    PyObject *b = PyBytes_FromStringAndSize(NULL, n);
    if (!b) return NULL;
    char *p = PyBytes_AS_STRING(b);
    for (long i = 0; i < n; i++) {
        uint32_t c;
        if (rbits(r, 8, &c)) { Py_DECREF(b); return NULL; }
        p[i] = (char)c;
    }
    return b;
}

/* Changed-field list; base is a tuple of at least `count` ints. Returns a new tuple. */
static PyObject *fields(Reader *r, const int *widths, int nfields, PyObject *base, Py_ssize_t size, int zero_bit) {
    uint32_t count, v;
    if (!PyTuple_Check(base) || PyTuple_GET_SIZE(base) < size) {
        PyErr_SetString(PyExc_TypeError, "base state of the wrong size");
        return NULL;
    }
    if (rbits(r, 8, &count)) return NULL;
    if ((int)count > nfields) {
        PyErr_Format(stream_error, "field count %u exceeds %d", count, nfields);
        return NULL;
    }
    PyObject *out = PyTuple_New(size);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *item = PyTuple_GET_ITEM(base, i);
        Py_INCREF(item);
        PyTuple_SET_ITEM(out, i, item);
    }
    for (uint32_t i = 0; i < count; i++) {
        PyObject *value;
        if (!rbit(r)) continue;
        int width = widths[i];
        if (zero_bit && !rbit(r)) {
            value = PyLong_FromLong(0);
        } else if (width == 0) {
            if (rbit(r)) {
                if (rbits(r, 32, &v)) goto error;
                value = PyLong_FromUnsignedLong(v);
            } else {
                if (rbits(r, 13, &v)) goto error;
                value = PyLong_FromUnsignedLong(integral_floats[v]);
            }
        } else if (width > 0) {
            if (rbits(r, width, &v)) goto error;
            value = PyLong_FromUnsignedLong(v);
        } else {
            if (rbits(r, -width, &v)) goto error;
            value = PyLong_FromLong(sext(v, -width));
        }
        if (!value) goto error;
        Py_SETREF(PyTuple_GET_ITEM(out, i), value);
    }
    if (r->pos > r->end) { fail("message ends in the middle of a delta"); goto error; }
    return out;
error:
    Py_DECREF(out);
    return NULL;
}

static PyObject *entity(Reader *r, PyObject *base) {
    if (rbit(r)) Py_RETURN_NONE;
    if (!rbit(r)) { Py_INCREF(base); return base; }
    return fields(r, entity_bits, n_entity, base, n_entity, 1);
}

static PyObject *shared(Reader *r, PyObject *base) {
    uint32_t magic;
    if (rbits(r, 8, &magic)) return NULL;
    if (magic != 0x77) {
        PyErr_Format(stream_error, "shared-entity magic 0x%02x, expected 0x77", magic);
        return NULL;
    }
    if (rbit(r)) Py_RETURN_NONE;
    if (!rbit(r)) { Py_INCREF(base); return base; }
    return fields(r, shared_bits, n_shared, base, n_shared, 1);
}

static int groups(Reader *r, PyObject *out, Py_ssize_t start) {
    for (int g = 0; g < 4; g++) {
        uint32_t mask, v;
        if (!rbit(r)) continue;
        if (rbits(r, 16, &mask)) return -1;
        for (int i = 0; i < 16; i++) {
            if (!((mask >> i) & 1)) continue;
            if (rbits(r, 16, &v)) return -1;
            PyObject *value = PyLong_FromLong(sext(v, 16));
            if (!value) return -1;
            Py_SETREF(PyTuple_GET_ITEM(out, start + g * 16 + i), value);
        }
    }
    return 0;
}

static PyObject *playerstate(Reader *r, PyObject *base) {
    Py_ssize_t size = n_player + 16 * 4 + 64 * 2;
    PyObject *out = fields(r, player_bits, n_player, base, size, 0);
    if (!out) return NULL;
    Py_ssize_t stats = n_player, ammo = n_player + 64, clip = ammo + 64;
    if (rbit(r)) {
        for (int a = 0; a < 4; a++) {
            uint32_t mask, v;
            if (!rbit(r)) continue;
            if (rbits(r, 16, &mask)) goto error;
            for (int i = 0; i < 16; i++) {
                if (!((mask >> i) & 1)) continue;
                int width = a == 3 ? 32 : 16;
                if (rbits(r, width, &v)) goto error;
                PyObject *value = PyLong_FromLong(sext(v, width));
                if (!value) goto error;
                Py_SETREF(PyTuple_GET_ITEM(out, stats + a * 16 + i), value);
            }
        }
    }
    if (rbit(r) && groups(r, out, ammo)) goto error;
    if (groups(r, out, clip)) goto error;
    if (r->pos > r->end) { fail("message ends in the middle of a playerstate"); goto error; }
    return out;
error:
    Py_DECREF(out);
    return NULL;
}

static PyObject *R_playerstates(Reader *r, PyObject *args) {
    PyObject *old, *zero;
    if (!PyArg_ParseTuple(args, "O!O", &PyDict_Type, &old, &zero)) return NULL;
    PyObject *players = PyDict_New();
    if (!players) return NULL;
    for (;;) {
        uint32_t client;
        if (rbits(r, 8, &client)) goto error;
        if (client == 255) return players;
        if (client >= 64) {
            PyErr_Format(stream_error, "ETTV playerstate for client %u", client);
            goto error;
        }
        PyObject *key = PyLong_FromUnsignedLong(client);
        if (!key) goto error;
        PyObject *base = PyDict_GetItemWithError(old, key);
        if (!base && PyErr_Occurred()) { Py_DECREF(key); goto error; }
        PyObject *ps = playerstate(r, base ? base : zero);
        if (!ps || PyDict_SetItem(players, key, ps) < 0) { Py_XDECREF(ps); Py_DECREF(key); goto error; }
        Py_DECREF(ps);
        Py_DECREF(key);
    }
error:
    Py_DECREF(players);
    return NULL;
}

static PyObject *R_entity(Reader *r, PyObject *base) { return entity(r, base); }
static PyObject *R_shared(Reader *r, PyObject *base) { return shared(r, base); }
static PyObject *R_playerstate(Reader *r, PyObject *base) { return playerstate(r, base); }

/* dict.get(key) as a borrowed reference, NULL if absent. */
static PyObject *lookup(PyObject *dict, PyObject *key) {
    return dict == Py_None ? NULL : PyDict_GetItemWithError(dict, key);
}

static PyObject *R_packet_entities(Reader *r, PyObject *args) {
    PyObject *old, *baselines, *zero, *old_shared = Py_None, *base_shared = Py_None, *zero_shared = Py_None;
    if (!PyArg_ParseTuple(args, "O!O!O|OOO", &PyDict_Type, &old, &PyDict_Type, &baselines, &zero,
                          &old_shared, &base_shared, &zero_shared))
        return NULL;
    int ettv = old_shared != Py_None;
    PyObject *new = PyDict_Copy(old), *new_shared = NULL, *key = NULL, *changed = PyList_New(0);
    if (!new || !changed) goto error;
    if (ettv && !(new_shared = PyDict_Copy(old_shared))) goto error;
    for (;;) {
        uint32_t num;
        if (rbits(r, 10, &num)) goto error;
        if (num == ENTITY_NONE) break;
        key = PyLong_FromUnsignedLong(num);
        if (!key) goto error;
        PyObject *base = lookup(old, key);
        int in_old = base != NULL;
        if (!base && !(base = lookup(baselines, key))) base = zero;
        if (PyErr_Occurred()) goto error;
        PyObject *state = entity(r, base);
        if (!state) goto error;
        int removed = state == Py_None;
        if (removed) {
            if (PyDict_DelItem(new, key) < 0) {
                if (!PyErr_ExceptionMatches(PyExc_KeyError)) { Py_DECREF(state); goto error; }
                PyErr_Clear();
            }
        } else {
            if (PyDict_SetItem(new, key, state) < 0) { Py_DECREF(state); goto error; }
            if ((state != base || !in_old) && PyList_Append(changed, key) < 0) { Py_DECREF(state); goto error; }
        }
        Py_DECREF(state);
        if (ettv) {
            PyObject *sbase = in_old ? lookup(old_shared, key) : NULL;
            if (!sbase && !(sbase = lookup(base_shared, key))) sbase = zero_shared;
            if (PyErr_Occurred()) goto error;
            PyObject *sh = shared(r, sbase);
            if (!sh) goto error;
            if (removed || sh == Py_None) {
                if (PyDict_DelItem(new_shared, key) < 0) {
                    if (!PyErr_ExceptionMatches(PyExc_KeyError)) { Py_DECREF(sh); goto error; }
                    PyErr_Clear();
                }
            } else if (PyDict_SetItem(new_shared, key, sh) < 0) { Py_DECREF(sh); goto error; }
            Py_DECREF(sh);
        }
        Py_CLEAR(key);
    }
    if (!ettv) { new_shared = Py_None; Py_INCREF(Py_None); }
    return Py_BuildValue("(NNN)", new, new_shared, changed);
error:
    Py_XDECREF(key);
    Py_XDECREF(changed);
    Py_XDECREF(new);
    Py_XDECREF(new_shared);
    return NULL;
}

static PyObject *R_get_pos(Reader *r, void *c) { return PyLong_FromSsize_t(r->pos); }
static PyObject *R_get_end(Reader *r, void *c) { return PyLong_FromSsize_t(r->end); }

static PyMethodDef Reader_methods[] = {
    {"bit", (PyCFunction)R_bit, METH_NOARGS, NULL},
    {"bits", (PyCFunction)R_bits, METH_O, NULL},
    {"signed", (PyCFunction)R_signed, METH_O, NULL},
    {"string", (PyCFunction)R_string, METH_VARARGS, NULL},
    {"bytes_", (PyCFunction)R_bytes, METH_O, NULL},
    {"entity", (PyCFunction)R_entity, METH_O, NULL},
    {"shared", (PyCFunction)R_shared, METH_O, NULL},
    {"playerstate", (PyCFunction)R_playerstate, METH_O, NULL},
    {"packet_entities", (PyCFunction)R_packet_entities, METH_VARARGS, NULL},
    {"playerstates", (PyCFunction)R_playerstates, METH_VARARGS, NULL},
    {NULL}
};

static PyGetSetDef Reader_getset[] = {
    {"pos", (getter)R_get_pos, NULL, NULL, NULL},
    {"end", (getter)R_get_end, NULL, NULL, NULL},
    {NULL}
};

static PyTypeObject ReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "slomix_greatshot.demo._fastdemo.Reader",
    .tp_basicsize = sizeof(Reader),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Reads one message payload as the game's bit stream (compiled).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Reader_init,
    .tp_dealloc = (destructor)Reader_dealloc,
    .tp_methods = Reader_methods,
    .tp_getset = Reader_getset,
};

/* ---- init(codes, entity_bits, player_bits, shared_bits, integral_floats, StreamError) ---- */

static int int_table(PyObject *seq, int *out, int max, int *count) {
    Py_ssize_t n = PySequence_Size(seq);
    if (n < 0 || n > max) { PyErr_SetString(PyExc_ValueError, "bad field table"); return -1; }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(seq, i);
        if (!item) return -1;
        out[i] = (int)PyLong_AsLong(item);
        Py_DECREF(item);
    }
    *count = (int)n;
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *init(PyObject *module, PyObject *args) {
    PyObject *codes, *eb, *pb, *sb, *floats, *err;
    if (!PyArg_ParseTuple(args, "OOOOOO", &codes, &eb, &pb, &sb, &floats, &err)) return NULL;
    if (PySequence_Size(codes) != 256 || PySequence_Size(floats) != 8192) {
        PyErr_SetString(PyExc_ValueError, "bad code or float table");
        return NULL;
    }
    for (int i = 0; i < 2048; i++) decode_table[i] = 0;
    for (int s = 0; s < 256; s++) {
        PyObject *pair = PySequence_GetItem(codes, s);
        unsigned long code, len;
        if (!pair || !PyArg_ParseTuple(pair, "kk", &code, &len)) { Py_XDECREF(pair); return NULL; }
        Py_DECREF(pair);
        if (len < 1 || len > 11) { PyErr_SetString(PyExc_ValueError, "code length"); return NULL; }
        for (unsigned long high = 0; high < (1ul << (11 - len)); high++)
            decode_table[code | high << len] = (uint16_t)(s | len << 8);
    }
    /* The unused not-yet-transmitted leaf: as in codes.DECODE, symbol 0 over 11 bits. */
    for (int i = 0; i < 2048; i++) if (!decode_table[i]) decode_table[i] = 11 << 8;
    for (int i = 0; i < 8192; i++) {
        PyObject *item = PySequence_GetItem(floats, i);
        if (!item) return NULL;
        integral_floats[i] = (uint32_t)PyLong_AsUnsignedLong(item);
        Py_DECREF(item);
    }
    if (int_table(eb, entity_bits, MAX_FIELDS, &n_entity) || int_table(pb, player_bits, MAX_FIELDS, &n_player) ||
        int_table(sb, shared_bits, MAX_FIELDS, &n_shared))
        return NULL;
    Py_XSETREF(stream_error, Py_NewRef(err));
    ready = 1;
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"init", init, METH_VARARGS, "Hand over the tables and the error class (codec does this once)."},
    {NULL}
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastdemo", NULL, -1, module_methods};

PyMODINIT_FUNC PyInit__fastdemo(void) {
    if (PyType_Ready(&ReaderType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&ReaderType);
    if (PyModule_AddObject(m, "Reader", (PyObject *)&ReaderType) < 0) { Py_DECREF(&ReaderType); Py_DECREF(m); return NULL; }
    return m;
}
